package io.projhub.monitor;

import static io.projhub.monitor.TestMonitors.FAST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.projhub.monitor.internal.PostgresConsistencyMonitor;
import io.projhub.monitor.notify.Notifiers;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

/**
 * "Kill the hub while an alert notification is pending; after restart it is delivered, once." The first monitor
 * raises the alert but cannot deliver it and is thrown away; a new monitor (new objects, same database) delivers it.
 */
@RealStores
class OutboxCrashRecoveryTest {

    private static PostgresConsistencyMonitor monitor(HikariDataSource ds, DrivenSubscriber subscriber, String notifier,
                                                      URI url, MonitorSettings settings) {
        List<Notifier> notifiers = Notifiers.create(List.of(NotifierSettings.pagerDuty(notifier, "routing-key-crash")
                .withUrl(url).withTimeout(Duration.ofSeconds(3))));
        return TestMonitors.monitor(ds, TestDatabase.eventStore(ds), List.of(), subscriber, Redriver.NONE, notifiers,
                settings, MonitorListener.NONE);
    }

    @Test
    void aNotificationPendingWhenTheHubDiesIsDeliveredOnceByTheNextHub(StoreEndpoints stores) throws Exception {
        try (HikariDataSource ds = TestDatabase.migrated(stores)) {
            String prefix = TestDatabase.uniquePrefix("crash");
            String notifier = prefix + "pagerduty";
            int port = RecordingReceiver.freePort(); // the receiver is down while the first hub runs
            URI url = URI.create("http://127.0.0.1:" + port + "/v2/enqueue");

            DrivenSubscriber firstStatus = new DrivenSubscriber(prefix + "lane");
            firstStatus.deadLetters = 3;
            PostgresConsistencyMonitor first = monitor(ds, firstStatus, notifier, url, FAST);
            first.start();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                List<Map<String, Object>> rows = TestDatabase.outbox(ds, prefix);
                assertThat(rows).hasSize(1);
                assertThat(rows.get(0).get("status")).isEqualTo("PENDING");
                assertThat((Integer) rows.get(0).get("attempts")).isPositive();
                assertThat((String) rows.get(0).get("last_error")).contains("ConnectException");
            });
            first.close(); // the hub dies with the notification undelivered

            try (RecordingReceiver receiver = RecordingReceiver.startOn(port, 202, "{\"status\":\"success\"}")) {
                DrivenSubscriber secondStatus = new DrivenSubscriber(prefix + "lane");
                secondStatus.deadLetters = 3; // still firing: nothing new to raise
                try (PostgresConsistencyMonitor second = monitor(ds, secondStatus, notifier, url, FAST)) {
                    second.start();
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                            assertThat(TestDatabase.outbox(ds, prefix)).singleElement()
                                    .satisfies(row -> assertThat(row.get("status")).isEqualTo("SENT")));
                    Thread.sleep(1000);
                }
                assertThat(receiver.requests()).hasSize(1);
                assertThat(receiver.requests().get(0).json().path("dedup_key").asString())
                        .isEqualTo(prefix + "lane:dead-letters");
                assertThat(receiver.requests().get(0).json().path("event_action").asString()).isEqualTo("trigger");
                assertThat(TestDatabase.alerts(ds, prefix)).hasSize(1);
            }
        }
    }

    @Test
    void aHubThatDiesInTheMiddleOfASendLeavesTheRowLeasedAndTheNextHubSendsItAfterTheLease(StoreEndpoints stores)
            throws Exception {
        try (HikariDataSource ds = TestDatabase.migrated(stores);
             RecordingReceiver receiver = RecordingReceiver.start(202, "{\"status\":\"success\"}")) {
            String prefix = TestDatabase.uniquePrefix("midsend");
            String notifier = prefix + "pagerduty";
            URI url = receiver.url("/v2/enqueue");
            MonitorSettings settings = FAST.withShutdownTimeout(Duration.ofMillis(200))
                    .withOutbox(FAST.outbox().withLease(Duration.ofSeconds(4)));
            receiver.hang(); // the receiver takes the request and does not answer

            DrivenSubscriber status = new DrivenSubscriber(prefix + "lane");
            status.deadLetters = 1;
            PostgresConsistencyMonitor first = monitor(ds, status, notifier, url, settings);
            first.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests().size() == 1);
            assertThat(TestDatabase.outbox(ds, prefix)).singleElement()
                    .satisfies(row -> assertThat(row.get("status")).isEqualTo("SENDING"));
            long diedAt = System.nanoTime();
            first.close(); // dies waiting for the answer: the row stays SENDING under its lease
            receiver.release();
            assertThat(TestDatabase.outbox(ds, prefix)).singleElement()
                    .satisfies(row -> assertThat(row.get("status")).isEqualTo("SENDING"));

            try (PostgresConsistencyMonitor second = monitor(ds, status, notifier, url, settings)) {
                second.start();
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                        assertThat(TestDatabase.outbox(ds, prefix)).singleElement()
                                .satisfies(row -> assertThat(row.get("status")).isEqualTo("SENT")));
                long waitedMs = (System.nanoTime() - diedAt) / 1_000_000;
                assertThat(waitedMs).as("sent again only after the lease ran out").isGreaterThanOrEqualTo(2_500);
                Thread.sleep(1000);
            }
            // The one unavoidable repeat: the first hub's send may have reached the receiver. Exactly one was accepted.
            assertThat(receiver.requests()).hasSize(2);
            assertThat(receiver.requests(RecordingReceiver.Request::delivered)).hasSize(1);
            assertThat(TestDatabase.outbox(ds, prefix)).singleElement()
                    .satisfies(row -> assertThat(row.get("attempts")).isEqualTo(2));
        }
    }
}
