package io.projhub.monitor;

import static io.projhub.monitor.TestMonitors.FAST;
import static io.projhub.monitor.TestMonitors.TYPES;
import static io.projhub.monitor.TestMonitors.append;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.FrontierStatus;
import io.projhub.core.projection.LaneState;
import io.projhub.core.projection.LaneStatus;
import io.projhub.core.projection.SubscriberStatus;
import io.projhub.monitor.internal.PostgresConsistencyMonitor;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

/**
 * Regression (issue 14, part 2): while a read model's lane is stalled (its store down), every write used to fail
 * its verification, queue a re-drive and raise its own STREAM_BEHIND alert. A write beyond the lane's checkpoint is
 * lag, not a miss: no probe, no re-drive, no per-stream alert; the lane-level alert is the one that fires, and when
 * the lane catches up the writes verify and everything resolves. A stream held back behind a dead letter is not a
 * miss either.
 */
@RealStores
class OutageIsLagNotMissTest {

    private HikariDataSource ds;
    private EventStore store;
    private String prefix;
    private TestReadModel stalled;
    private TestMonitors.Recorder recorder;
    private final Set<String> parked = ConcurrentHashMap.newKeySet();
    private volatile LogPosition laneCheckpoint;
    private volatile boolean laneRetrying;
    private PostgresConsistencyMonitor monitor;

    @BeforeEach
    void setUp(StoreEndpoints stores) {
        ds = TestDatabase.migrated(stores);
        store = TestDatabase.eventStore(ds);
        prefix = TestDatabase.uniquePrefix("outage");
        stalled = new TestReadModel(prefix + "stalled", ds);
        recorder = new TestMonitors.Recorder();
        TestMonitors.StoreRedriver stores1 = new TestMonitors.StoreRedriver(store, stalled);
        Redriver redriver = new Redriver() {
            @Override
            public java.util.concurrent.CompletableFuture<Void> redrive(String readModel, String streamId) {
                return stores1.redrive(readModel, streamId);
            }

            @Override
            public boolean parked(String readModel, String streamId) {
                return parked.contains(streamId);
            }
        };
        Supplier<SubscriberStatus> lanes = () -> {
            LogPosition head = store.head().map(h -> h.position()).orElse(LogPosition.START);
            LaneStatus lane = new LaneStatus(stalled.name, laneRetrying ? LaneState.RETRYING : LaneState.LIVE,
                    laneCheckpoint, head, 0, 0, Instant.now(), 0, laneRetrying ? "ConnectException: refused" : null,
                    0, 0, 0, 0, null, null, false);
            return new SubscriberStatus(head, Instant.now(), Instant.now(), FrontierStatus.FREE, List.of(lane));
        };
        MonitorSettings settings = FAST.withAlerts(FAST.alerts().withThresholds(Duration.ofMillis(500),
                Duration.ofSeconds(30), Duration.ofSeconds(30)));
        monitor = TestMonitors.monitor(ds, store, List.of(stalled.monitored(TYPES)), lanes, redriver, List.of(),
                settings, recorder);
    }

    @AfterEach
    void tearDown() {
        monitor.close();
        ds.close();
    }

    @Test
    void writesBeyondAStalledLanesCheckpointRaiseNoStreamAlertAndNoRedriveOnlyTheLaneAlertAndAllResolveAfter()
            throws Exception {
        laneCheckpoint = store.head().map(h -> h.position()).orElse(LogPosition.START);
        laneRetrying = true;
        stalled.down = true;
        monitor.start();
        List<AppendResult> written = new ArrayList<>();
        for (int s = 0; s < 20; s++) {
            AppendResult result = append(store, prefix + "order-" + s);
            monitor.track(result, TYPES);
            written.add(result);
        }

        // Under the old rule each stream raised its alert after 4 checks (≈ 0.2 + 0.1 + 0.2 + 0.4 s): wait well past it.
        await().atMost(Duration.ofSeconds(10)).until(() -> firing().stream()
                .anyMatch(a -> a.kind() == AlertKind.LANE_STALLED));
        Thread.sleep(3000);

        assertThat(firing()).extracting(Alert::kind).containsExactly(AlertKind.LANE_STALLED);
        assertThat(recorder.redrives).as("no re-drive while the lane has not reached the writes").isEmpty();
        assertThat(recorder.checks).as("no probe of a write the lane has not reached").isEmpty();
        assertThat(monitor.status().pendingVerifications()).isEqualTo(20);

        // The store comes back and the lane catches up: the writes verify, the lane alert resolves, nothing else fires.
        stalled.down = false;
        for (AppendResult result : written) {
            stalled.apply(store.readStream(result.streamId(), 1));
        }
        laneCheckpoint = written.get(written.size() - 1).position();
        laneRetrying = false;
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(monitor.status().pendingVerifications()).isZero();
            assertThat(firing()).isEmpty();
        });
        assertThat(recorder.redrives).isEmpty();
        assertThat(TestDatabase.alerts(ds, stalled.name)).extracting(row -> (String) row.get("alert_key"))
                .containsExactly(stalled.name + ":stalled");
    }

    /** Writes the lane had applied just before its store went down: the probe cannot answer; still one outage. */
    @Test
    void writesTheLanePassedWhoseStoreIsDownWhileTheLaneRetriesAreNotMissesEither() throws Exception {
        stalled.down = false;
        List<AppendResult> written = new ArrayList<>();
        for (int s = 0; s < 10; s++) {
            AppendResult result = append(store, prefix + "passed-" + s);
            stalled.apply(store.readStream(result.streamId(), 1));
            written.add(result);
        }
        laneCheckpoint = written.get(written.size() - 1).position();
        stalled.down = true;
        laneRetrying = true;
        monitor.start();
        written.forEach(result -> monitor.track(result, TYPES));

        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.checks.size() >= 10);
        Thread.sleep(3000);

        assertThat(firing()).extracting(Alert::kind).doesNotContain(AlertKind.STREAM_BEHIND);
        assertThat(recorder.redrives).isEmpty();

        stalled.down = false;
        laneRetrying = false;
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(monitor.status().pendingVerifications()).isZero());
        assertThat(firing()).extracting(Alert::kind).doesNotContain(AlertKind.STREAM_BEHIND);
    }

    @Test
    void aStreamHeldBackBehindADeadLetterIsNeitherRedrivenNorAMissedWrite() throws Exception {
        monitor.start();
        String held = prefix + "held";
        parked.add(held);
        AppendResult result = append(store, held);
        laneCheckpoint = result.position(); // the lane passed it (parked it), the store does not have it
        monitor.track(result, TYPES);

        await().atMost(Duration.ofSeconds(10)).until(() -> monitor.status().pendingVerifications() == 0);
        Thread.sleep(1500);

        assertThat(recorder.redrives).isEmpty();
        assertThat(firing()).isEmpty();
        assertThat(stalled.probe().appliedVersion(held)).as("the stream is behind: its probe says so").isZero();
    }

    private List<Alert> firing() {
        return monitor.alerts(Optional.of(AlertStatus.FIRING), 1000).stream()
                .filter(a -> a.key().startsWith(prefix)).toList();
    }
}
