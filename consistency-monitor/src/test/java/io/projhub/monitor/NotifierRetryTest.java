package io.projhub.monitor;

import static io.projhub.monitor.TestMonitors.FAST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.projhub.monitor.internal.PostgresConsistencyMonitor;
import io.projhub.monitor.notify.Notifiers;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

/** A notification that fails for a passing reason is retried from the outbox until it gets through; a refused one is not. */
@RealStores
class NotifierRetryTest {

    private HikariDataSource ds;
    private String prefix;
    private DrivenSubscriber subscriber;
    private RecordingReceiver pagerDuty;
    private RecordingReceiver slack;
    private PostgresConsistencyMonitor monitor;

    @BeforeEach
    void setUp(StoreEndpoints stores) throws Exception {
        ds = TestDatabase.migrated(stores);
        prefix = TestDatabase.uniquePrefix("retry");
        subscriber = new DrivenSubscriber(prefix + "lane");
        pagerDuty = RecordingReceiver.start(202, "{\"status\":\"success\"}");
        slack = RecordingReceiver.start(200, "ok");
    }

    @AfterEach
    void tearDown() {
        if (monitor != null) {
            monitor.close();
        }
        pagerDuty.close();
        slack.close();
        ds.close();
    }

    private void startMonitor(OutboxSettings outbox) {
        List<Notifier> notifiers = Notifiers.create(List.of(
                NotifierSettings.pagerDuty(prefix + "pagerduty", "routing-key-under-test").withUrl(pagerDuty.url("/v2/enqueue")),
                NotifierSettings.slack(prefix + "slack", slack.url("/services/T1/B1/secret"))));
        monitor = TestMonitors.monitor(ds, TestDatabase.eventStore(ds), List.of(), subscriber, Redriver.NONE,
                notifiers, FAST.withOutbox(outbox), MonitorListener.NONE);
        monitor.start();
    }

    private Map<String, Object> outboxRow(String notifierSuffix) {
        return TestDatabase.outbox(ds, prefix).stream()
                .filter(r -> r.get("notifier").equals(prefix + notifierSuffix)).findFirst().orElseThrow();
    }

    @Test
    void aNotifierAnswering500And429IsRetriedWithBackoffUntilItAccepts() {
        pagerDuty.answerNext(500, 429, 503);
        slack.answerNext(500);
        subscriber.deadLetters = 2;
        startMonitor(FAST.outbox());

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(outboxRow("pagerduty").get("status")).isEqualTo("SENT");
            assertThat(outboxRow("slack").get("status")).isEqualTo("SENT");
        });
        assertThat(pagerDuty.requests()).extracting(RecordingReceiver.Request::status).containsExactly(500, 429, 503, 202);
        assertThat(outboxRow("pagerduty").get("attempts")).isEqualTo(4);
        assertThat(slack.requests()).extracting(RecordingReceiver.Request::status).containsExactly(500, 200);
        assertThat(outboxRow("slack").get("attempts")).isEqualTo(2);
        // the same trigger each time: PagerDuty folds repeats into one incident by dedup_key
        assertThat(pagerDuty.requests()).allSatisfy(r -> {
            assertThat(r.json().path("event_action").asString()).isEqualTo("trigger");
            assertThat(r.json().path("dedup_key").asString()).isEqualTo(prefix + "lane:dead-letters");
        });
        // backoff: 100 ms then 200 ms then 400 ms (±20% jitter) between the attempts
        List<RecordingReceiver.Request> requests = pagerDuty.requests();
        for (int i = 1; i < requests.size(); i++) {
            long gap = Duration.between(requests.get(i - 1).receivedAt(), requests.get(i).receivedAt()).toMillis();
            long base = 100L << (i - 1);
            assertThat(gap).as("gap before attempt %d", i + 1).isBetween((long) (base * 0.8) - 50, (long) (base * 1.2) + 400);
        }
    }

    @Test
    void pagerDutyRefusingTheEventWith400IsNotRetriedAndTheRowFails() throws Exception {
        pagerDuty.answerNext(400);
        subscriber.deadLetters = 1;
        startMonitor(FAST.outbox());

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(outboxRow("pagerduty").get("status")).isEqualTo("FAILED");
            assertThat(outboxRow("slack").get("status")).isEqualTo("SENT");
        });
        Thread.sleep(1000);
        assertThat(pagerDuty.requests()).hasSize(1);
        Map<String, Object> row = outboxRow("pagerduty");
        assertThat(row.get("attempts")).isEqualTo(1);
        assertThat((String) row.get("last_error")).startsWith("HTTP 400").doesNotContain("routing-key-under-test");
        assertThat(slack.requests()).hasSize(1);
    }

    @Test
    void aNotifierThatKeepsFailingIsGivenUpAfterMaxAttemptsAndMarkedFailed() throws Exception {
        pagerDuty.answerNext(500, 500, 500, 500, 500, 500);
        subscriber.deadLetters = 1;
        startMonitor(FAST.outbox().withRetry(Duration.ofMillis(50), 1.0, Duration.ofMillis(50), 3));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(outboxRow("pagerduty").get("status")).isEqualTo("FAILED"));
        Thread.sleep(500);
        assertThat(pagerDuty.requests()).hasSize(3);
        assertThat(outboxRow("pagerduty").get("attempts")).isEqualTo(3);
        assertThat((String) outboxRow("pagerduty").get("last_error")).startsWith("HTTP 500");
    }

    @Test
    void aResolveIsNeverSentBeforeTheTriggerItFollows() throws Exception {
        pagerDuty.answerNext(503, 503, 503);
        subscriber.deadLetters = 1;
        startMonitor(FAST.outbox());
        await().atMost(Duration.ofSeconds(5)).until(() -> !pagerDuty.requests().isEmpty());
        subscriber.deadLetters = 0; // resolved while the trigger is still being retried

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(pagerDuty.requests(RecordingReceiver.Request::delivered)).hasSize(2));
        assertThat(pagerDuty.requests(RecordingReceiver.Request::delivered))
                .extracting(r -> r.json().path("event_action").asString()).containsExactly("trigger", "resolve");
    }
}
