package io.projhub.monitor;

import static io.projhub.monitor.TestMonitors.FAST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.projhub.core.projection.FrontierStatus;
import io.projhub.monitor.internal.PostgresConsistencyMonitor;
import io.projhub.monitor.notify.Notifiers;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

/** Lane and hub alerts raised and resolved from the subscriber's status, each notified once per transition. */
@RealStores
class SubscriberHealthAlertsTest {

    private HikariDataSource ds;
    private RecordingReceiver webhook;
    private DrivenSubscriber subscriber;
    private PostgresConsistencyMonitor monitor;
    private String notifier;

    @BeforeEach
    void setUp(StoreEndpoints stores) throws Exception {
        ds = TestDatabase.migrated(stores);
        webhook = RecordingReceiver.start(200, "{}");
        String prefix = TestDatabase.uniquePrefix("health");
        subscriber = new DrivenSubscriber(prefix + "lane");
        notifier = prefix + "webhook";
        MonitorSettings settings = FAST.withAlerts(FAST.alerts().withThresholds(Duration.ofMillis(600),
                Duration.ofSeconds(2), Duration.ofSeconds(1)));
        monitor = TestMonitors.monitor(ds, TestDatabase.eventStore(ds), List.of(), subscriber, Redriver.NONE,
                Notifiers.create(List.of(NotifierSettings.webhook(notifier, webhook.url("/h")))), settings,
                MonitorListener.NONE);
        monitor.start(); // healthy first: also resolves a hub-wide alert an earlier run may have left firing
    }

    @AfterEach
    void tearDown() {
        monitor.close();
        webhook.close();
        ds.close();
    }

    /** What the webhook received for alerts with this key fired after {@code since} (not an earlier run's). */
    private List<String> transitionsOf(String key, Instant since) {
        return webhook.requests().stream().map(RecordingReceiver.Request::json)
                .filter(b -> b.path("alert").path("key").asString().equals(key))
                .filter(b -> !Instant.parse(b.path("alert").path("firedAt").asString()).isBefore(since))
                .map(b -> b.path("transition").asString()).toList();
    }

    private Alert latest(String key) {
        return monitor.alerts(Optional.empty(), 200).stream().filter(a -> a.key().equals(key)).findFirst().orElseThrow();
    }

    private void raisesThenResolves(String key, Runnable breakIt, Runnable fixIt) throws InterruptedException {
        Thread.sleep(300);
        Instant before = Instant.now().minusMillis(100);
        breakIt.run();
        await().atMost(Duration.ofSeconds(10)).until(() -> transitionsOf(key, before).contains("FIRING"));
        Alert firing = latest(key);
        assertThat(firing.status()).isEqualTo(AlertStatus.FIRING);
        Thread.sleep(500);
        assertThat(transitionsOf(key, before)).containsExactly("FIRING");

        fixIt.run();
        await().atMost(Duration.ofSeconds(10)).until(() -> transitionsOf(key, before).contains("RESOLVED"));
        Thread.sleep(500);
        assertThat(transitionsOf(key, before)).containsExactly("FIRING", "RESOLVED");
        Alert resolved = monitor.alert(firing.id()).orElseThrow();
        assertThat(resolved.status()).isEqualTo(AlertStatus.RESOLVED);
        assertThat(resolved.resolution()).isNotBlank();
    }

    @Test
    void aLaneWhoseCheckpointStopsWhileTheHeadMovesIsStalledUntilItMovesAgain() throws Exception {
        String key = subscriber.lane + ":stalled";
        raisesThenResolves(key, subscriber::stall, subscriber::heal);
        Alert alert = latest(key);
        assertThat(alert.kind()).isEqualTo(AlertKind.LANE_STALLED);
        assertThat(alert.severity()).isEqualTo(AlertSeverity.CRITICAL);
        assertThat(alert.readModel()).isEqualTo(subscriber.lane);
        assertThat(alert.summary()).contains("has not moved", "ConnectException");
        assertThat(alert.details().path("stalledSeconds").asDouble()).isGreaterThanOrEqualTo(0.6);
    }

    @Test
    void deadLettersRaiseAnAlertUntilTheyAreReplayed() throws Exception {
        String key = subscriber.lane + ":dead-letters";
        raisesThenResolves(key, () -> subscriber.deadLetters = 2, () -> subscriber.deadLetters = 0);
        Alert alert = latest(key);
        assertThat(alert.kind()).isEqualTo(AlertKind.DEAD_LETTERS);
        assertThat(alert.details().path("deadLetters").asLong()).isEqualTo(2);
    }

    /**
     * Issue 14: the alert stays firing while a stream is still held back (the lane's parked-stream count, which the
     * lane clears only once the chain is replayed or skipped), even when the dead-letter count read from the table
     * already says zero, and resolves when both are zero.
     */
    @Test
    void theAlertsOfALaneThatIsRemovedAreResolved() throws Exception {
        String key = subscriber.lane + ":dead-letters";
        raisesThenResolves(key, () -> subscriber.deadLetters = 1, () -> subscriber.laneListed = false);
        assertThat(latest(key).resolution()).contains("removed");
    }

    @Test
    void deadLettersStayFiringWhileAStreamIsHeldBackAndResolveWhenItIsReleased() throws Exception {
        String key = subscriber.lane + ":dead-letters";
        raisesThenResolves(key, () -> {
            subscriber.deadLetters = 0;
            subscriber.parkedStreams = 1;
        }, () -> subscriber.parkedStreams = 0);
        Alert alert = latest(key);
        assertThat(alert.details().path("parkedStreams").asLong()).isEqualTo(1);
        assertThat(alert.summary()).contains("holding back 1 stream(s)");
    }

    @Test
    void aCheckpointTheLogDoesNotHoldRaisesAnAlertUntilItDoes() throws Exception {
        String key = subscriber.lane + ":checkpoint-not-in-log";
        raisesThenResolves(key, () -> subscriber.checkpointNotInLog = true, () -> subscriber.checkpointNotInLog = false);
        assertThat(latest(key).kind()).isEqualTo(AlertKind.CHECKPOINT_NOT_IN_LOG);
    }

    @Test
    void aMissingPollerHeartbeatRaisesAnAlertUntilThePollerReadsAgain() throws Exception {
        raisesThenResolves("poller:heartbeat", () -> subscriber.heartbeat = Instant.now().minusSeconds(30),
                () -> subscriber.heartbeat = null);
        Alert alert = latest("poller:heartbeat");
        assertThat(alert.kind()).isEqualTo(AlertKind.POLLER_HEARTBEAT);
        assertThat(alert.readModel()).isNull();
        assertThat(alert.summary()).contains("has not read the log");
    }

    @Test
    void aFrontierPinnedBeyondTheThresholdRaisesAnAlertUntilItIsFree() throws Exception {
        Instant started = Instant.now().minusSeconds(10);
        raisesThenResolves("frontier:pinned", () -> subscriber.frontier = new FrontierStatus(10, true, 4242,
                "projhub_test", "idle in transaction", started, started), () -> subscriber.frontier = FrontierStatus.FREE);
        Alert alert = latest("frontier:pinned");
        assertThat(alert.kind()).isEqualTo(AlertKind.FRONTIER_PINNED);
        assertThat(alert.details().path("holderPid").asInt()).isEqualTo(4242);
    }

    @Test
    void aFrontierHeldBelowTheThresholdRaisesNothing() throws Exception {
        Instant started = Instant.now();
        subscriber.frontier = new FrontierStatus(1.0, true, 4243, "projhub_test", "active", started, started);
        Thread.sleep(800);
        assertThat(transitionsOf("frontier:pinned", started.minusMillis(100))).isEmpty();
    }
}
