package io.projhub.monitor;

import static io.projhub.monitor.TestMonitors.FAST;
import static io.projhub.monitor.TestMonitors.TYPES;
import static io.projhub.monitor.TestMonitors.append;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.monitor.internal.PostgresConsistencyMonitor;
import io.projhub.monitor.notify.Notifiers;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import tools.jackson.databind.JsonNode;

/**
 * The seed's consistency manager end to end: writes are tracked, a read model whose store is down stays behind
 * through every retry (each one re-driving the stream), one alert per stream reaches every notifier once, and when
 * the store is back the re-drive repairs it and the resolution reaches every notifier once.
 */
@RealStores
class StreamVerificationAlertTest {

    private static final String ROUTING_KEY = "R0UT1NGKEY0000000000000000000042";
    private static final String WEBHOOK_TOKEN = "Bearer hook-secret-7";

    private HikariDataSource ds;
    private EventStore store;
    private String prefix;
    private TestReadModel healthy;
    private TestReadModel failing;
    private RecordingReceiver webhook;
    private RecordingReceiver alertmanager;
    private RecordingReceiver pagerDuty;
    private RecordingReceiver slack;
    private TestMonitors.StoreRedriver redriver;
    private TestMonitors.Recorder recorder;
    private PostgresConsistencyMonitor monitor;

    @BeforeEach
    void setUp(StoreEndpoints stores) throws Exception {
        ds = TestDatabase.migrated(stores);
        store = TestDatabase.eventStore(ds);
        prefix = TestDatabase.uniquePrefix("verify");
        healthy = new TestReadModel(prefix + "healthy", ds);
        failing = new TestReadModel(prefix + "failing", ds);
        webhook = RecordingReceiver.start(200, "{}");
        alertmanager = RecordingReceiver.start(200, "");
        pagerDuty = RecordingReceiver.start(202, "{\"status\":\"success\",\"message\":\"Event processed\"}");
        slack = RecordingReceiver.start(200, "ok");
        redriver = new TestMonitors.StoreRedriver(store, healthy, failing);
        recorder = new TestMonitors.Recorder();
        List<Notifier> notifiers = Notifiers.create(List.of(
                NotifierSettings.log(prefix + "log"),
                NotifierSettings.webhook(prefix + "webhook", webhook.url("/hooks/alerts"))
                        .withHeaders(Map.of("Authorization", WEBHOOK_TOKEN)),
                NotifierSettings.alertmanager(prefix + "alertmanager", alertmanager.url(""))
                        .withGeneratorUrl(URI.create("http://hub.example:8080/api/alerts")),
                NotifierSettings.pagerDuty(prefix + "pagerduty", ROUTING_KEY).withUrl(pagerDuty.url("/v2/enqueue")),
                NotifierSettings.slack(prefix + "slack", slack.url("/services/T000/B000/XXXXSECRET"))));
        monitor = TestMonitors.monitor(ds, store, List.of(healthy.monitored(TYPES), failing.monitored(TYPES)), null,
                redriver, notifiers, FAST, recorder);
    }

    @AfterEach
    void tearDown() {
        monitor.close();
        List.of(webhook, alertmanager, pagerDuty, slack).forEach(RecordingReceiver::close);
        ds.close();
    }

    /** Three streams, three writes each; the healthy read model applies them at once, the failing one cannot. */
    private List<AppendResult> writeThreeStreams() throws Exception {
        List<AppendResult> last = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            String stream = prefix + "order-" + s;
            AppendResult result = null;
            for (int v = 0; v < 3; v++) {
                result = append(store, stream);
                healthy.apply(store.readStream(stream, result.newVersion(), result.newVersion()));
                try {
                    failing.apply(store.readStream(stream, result.newVersion(), result.newVersion()));
                } catch (java.net.ConnectException expected) {
                    // its store is down: the write is missed
                }
                monitor.track(result, TYPES);
            }
            last.add(result);
        }
        return last;
    }

    private static List<RecordingReceiver.Request> forKey(RecordingReceiver receiver, String key,
                                                          java.util.function.Function<JsonNode, String> keyOf) {
        return receiver.requests(r -> key.equals(keyOf.apply(r.json())));
    }

    private static String webhookKey(JsonNode body) {
        return body.path("alert").path("key").asString();
    }

    private static String alertmanagerKey(JsonNode body) {
        return body.path(0).path("labels").path("key").asString();
    }

    private static String pagerDutyKey(JsonNode body) {
        return body.path("dedup_key").asString();
    }

    @Test
    void aReadModelThatStaysBehindRaisesOneFiringAlertPerStreamDeliveredOnceToEachNotifierAndTheHealthyOneNone()
            throws Exception {
        failing.down = true;
        monitor.start();
        Instant start = Instant.now();
        List<AppendResult> written = writeThreeStreams();
        List<String> keys = written.stream().map(r -> failing.name + ":" + r.streamId()).toList();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(TestDatabase.alerts(ds, failing.name)).hasSize(3);
            assertThat(webhook.requests()).hasSize(3);
            assertThat(alertmanager.requests()).hasSize(3);
            assertThat(pagerDuty.requests()).hasSize(3);
            assertThat(slack.requests()).hasSize(3);
        });
        Thread.sleep(1500); // more checks, re-checks and evaluations: nothing may be raised or sent twice

        List<Alert> firing = monitor.alerts(Optional.of(AlertStatus.FIRING), 1000).stream()
                .filter(a -> a.key().startsWith(prefix)).toList();
        assertThat(firing).extracting(Alert::key).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(TestDatabase.alerts(ds, healthy.name)).isEmpty();
        for (AppendResult result : written) {
            Alert alert = firing.stream().filter(a -> a.streamId().equals(result.streamId())).findFirst().orElseThrow();
            assertThat(alert.kind()).isEqualTo(AlertKind.STREAM_BEHIND);
            assertThat(alert.readModel()).isEqualTo(failing.name);
            assertThat(alert.severity()).isEqualTo(AlertSeverity.ERROR);
            assertThat(alert.details().path("expectedVersion").asLong()).isEqualTo(3); // coalesced: the newest
            assertThat(alert.details().path("attempts").asInt()).isEqualTo(4);
            assertThat(alert.details().path("lastError").asString()).contains("ConnectException");
            assertThat(alert.details().path("appliedVersion").isNull()).isTrue();
            // every retry asked the failing lane to re-drive the stream first; the healthy one was never re-driven
            assertThat(recorder.retryRedrives(failing.name, result.streamId())).isEqualTo(3);
            assertThat(recorder.retryRedrives(healthy.name, result.streamId())).isZero();
            assertThat(recorder.checksOf(healthy.name, result.streamId())).hasSize(1)
                    .allSatisfy(check -> assertThat(check.caughtUp()).isTrue());
        }

        assertThat(webhook.requests()).hasSize(3).allSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/hooks/alerts");
            assertThat(r.header("Authorization")).isEqualTo(WEBHOOK_TOKEN);
            assertThat(r.header("Content-Type")).isEqualTo("application/json");
            JsonNode body = r.json();
            assertThat(body.path("transition").asString()).isEqualTo("FIRING");
            assertThat(body.path("deliveryId").asLong()).isPositive();
            assertThat(body.path("alert").path("status").asString()).isEqualTo("FIRING");
            assertThat(body.path("alert").path("readModel").asString()).isEqualTo(failing.name);
            assertThat(body.path("alert").path("details").path("expectedVersion").asLong()).isEqualTo(3);
        });
        assertThat(webhook.requests().stream().map(r -> webhookKey(r.json())).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(keys);

        assertThat(alertmanager.requests()).hasSize(3).allSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/api/v2/alerts");
            JsonNode body = r.json();
            assertThat(body.isArray()).isTrue();
            assertThat(body.size()).isEqualTo(1);
            JsonNode alert = body.get(0);
            assertThat(alert.path("labels").path("alertname").asString()).isEqualTo("ProjhubStreamBehind");
            assertThat(alert.path("labels").path("read_model").asString()).isEqualTo(failing.name);
            assertThat(alert.path("labels").path("severity").asString()).isEqualTo("error");
            assertThat(alert.path("annotations").path("summary").asString()).contains(failing.name, "version 3");
            assertThat(alert.path("annotations").path("description").asString()).contains("expectedVersion=3");
            assertThat(Instant.parse(alert.path("startsAt").asString())).isAfter(start.minusSeconds(5));
            assertThat(alert.has("endsAt")).isFalse();
            assertThat(alert.path("generatorURL").asString()).isEqualTo("http://hub.example:8080/api/alerts");
        });
        assertThat(alertmanager.requests().stream().map(r -> alertmanagerKey(r.json())).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(keys);

        assertThat(pagerDuty.requests()).hasSize(3).allSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/v2/enqueue");
            JsonNode body = r.json();
            assertThat(body.path("routing_key").asString()).isEqualTo(ROUTING_KEY);
            assertThat(body.path("event_action").asString()).isEqualTo("trigger");
            assertThat(body.path("payload").path("severity").asString()).isEqualTo("error");
            assertThat(body.path("payload").path("source").asString()).isEqualTo("projection-hub");
            assertThat(body.path("payload").path("summary").asString()).contains(failing.name);
            assertThat(body.path("payload").path("custom_details").path("details").path("expectedVersion").asLong())
                    .isEqualTo(3);
        });
        assertThat(pagerDuty.requests().stream().map(r -> pagerDutyKey(r.json())).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(keys);

        assertThat(slack.requests()).hasSize(3).allSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/services/T000/B000/XXXXSECRET");
            JsonNode body = r.json();
            assertThat(body.path("text").asString()).startsWith("[FIRING] ERROR " + failing.name + ":");
            assertThat(body.path("blocks").get(0).path("type").asString()).isEqualTo("section");
            assertThat(body.path("blocks").get(0).path("text").path("text").asString())
                    .contains("ProjhubStreamBehind");
            assertThat(body.path("blocks").get(1).path("type").asString()).isEqualTo("context");
        });

        assertThat(TestDatabase.outbox(ds, failing.name)).hasSize(15)
                .allSatisfy(row -> assertThat(row.get("status")).isEqualTo("SENT"));
    }

    @Test
    void whenTheStoreIsBackTheRedriveRepairsTheReadModelAndTheResolutionReachesEachNotifierOnce() throws Exception {
        failing.down = true;
        monitor.start();
        List<AppendResult> written = writeThreeStreams();
        List<String> keys = written.stream().map(r -> failing.name + ":" + r.streamId()).toList();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(pagerDuty.requests()).hasSize(3);
            assertThat(alertmanager.requests()).hasSize(3);
        });
        for (AppendResult result : written) {
            assertThat(recorder.retryRedrives(failing.name, result.streamId())).isEqualTo(3);
        }

        failing.down = false; // nothing applies the missed writes but the re-drive of the firing alerts' re-check

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(TestDatabase.alerts(ds, failing.name)).hasSize(3)
                    .allSatisfy(row -> assertThat(row.get("status")).isEqualTo("RESOLVED"));
            assertThat(pagerDuty.requests()).hasSize(6);
            assertThat(alertmanager.requests()).hasSize(6);
            assertThat(webhook.requests()).hasSize(6);
            assertThat(slack.requests()).hasSize(6);
        });
        Thread.sleep(1000);
        for (AppendResult result : written) {
            assertThat(failing.probe().appliedVersion(result.streamId())).isEqualTo(3);
            assertThat(redriver.calls).contains(failing.name + ":" + result.streamId());
        }

        List<JsonNode> resolves = pagerDuty.requests().stream().map(RecordingReceiver.Request::json)
                .filter(b -> b.path("event_action").asString().equals("resolve")).toList();
        assertThat(resolves).hasSize(3);
        assertThat(resolves.stream().map(StreamVerificationAlertTest::pagerDutyKey).toList())
                .containsExactlyInAnyOrderElementsOf(keys);
        assertThat(resolves).allSatisfy(b -> assertThat(b.path("routing_key").asString()).isEqualTo(ROUTING_KEY));

        List<JsonNode> ended = alertmanager.requests().stream().map(RecordingReceiver.Request::json)
                .filter(b -> b.path(0).has("endsAt")).toList();
        assertThat(ended).hasSize(3);
        assertThat(ended.stream().map(StreamVerificationAlertTest::alertmanagerKey).toList())
                .containsExactlyInAnyOrderElementsOf(keys);
        assertThat(ended).allSatisfy(b -> assertThat(Instant.parse(b.path(0).path("endsAt").asString()))
                .isAfterOrEqualTo(Instant.parse(b.path(0).path("startsAt").asString())));

        assertThat(webhook.requests().stream().map(RecordingReceiver.Request::json)
                .filter(b -> b.path("transition").asString().equals("RESOLVED")).map(StreamVerificationAlertTest::webhookKey))
                .containsExactlyInAnyOrderElementsOf(keys);
        assertThat(slack.requests().stream().map(r -> r.json().path("text").asString())
                .filter(t -> t.startsWith("[RESOLVED]"))).hasSize(3);

        List<Alert> resolved = monitor.alerts(Optional.of(AlertStatus.RESOLVED), 1000).stream()
                .filter(a -> a.key().startsWith(failing.name)).toList();
        assertThat(resolved).hasSize(3).allSatisfy(a -> {
            assertThat(a.resolvedAt()).isNotNull();
            assertThat(a.resolution()).contains("applied version 3");
        });
    }

    @Test
    void aReadModelWhoseStoreComesBackDuringTheRetriesIsRepairedByTheRedriveAndRaisesNothing() throws Exception {
        failing.down = true;
        MonitorListener downUntilFirstCheck = new MonitorListener() {
            @Override
            public void verificationChecked(VerificationCheck check) {
                recorder.verificationChecked(check);
                if (check.readModel().equals(failing.name)) {
                    failing.down = false;
                }
            }

            @Override
            public void redriveRequested(String readModel, String streamId, int attempt) {
                recorder.redriveRequested(readModel, streamId, attempt);
            }
        };
        monitor.close();
        monitor = TestMonitors.monitor(ds, store, List.of(healthy.monitored(TYPES), failing.monitored(TYPES)), null,
                redriver, Notifiers.create(List.of(NotifierSettings.webhook(prefix + "webhook", webhook.url("/h")))),
                FAST, downUntilFirstCheck);
        monitor.start();
        String stream = prefix + "order-recovering";
        AppendResult result = append(store, stream);
        try {
            failing.apply(store.readStream(stream, 1));
        } catch (java.net.ConnectException expected) {
            // missed
        }
        healthy.apply(store.readStream(stream, 1));
        monitor.track(result, TYPES);

        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            assertThat(failing.probe().appliedVersion(stream)).isEqualTo(1);
            assertThat(monitor.status().pendingVerifications()).isZero();
        });
        assertThat(recorder.retryRedrives(failing.name, stream)).isPositive();
        assertThat(recorder.checksOf(failing.name, stream)).last().satisfies(c -> assertThat(c.caughtUp()).isTrue());
        Thread.sleep(500);
        assertThat(TestDatabase.alerts(ds, prefix)).isEmpty();
        assertThat(webhook.requests()).isEmpty();
    }
}
