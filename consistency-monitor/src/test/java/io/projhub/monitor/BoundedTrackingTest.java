package io.projhub.monitor;

import static io.projhub.monitor.TestMonitors.FAST;
import static io.projhub.monitor.TestMonitors.TYPES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.monitor.internal.PostgresConsistencyMonitor;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

/** A burst of 100,000 tracked writes keeps the monitor within its configured number of entries. */
@RealStores
class BoundedTrackingTest {

    private static final int BURST = 100_000;

    /** A read model that has applied everything (kept in memory: only the monitor's bookkeeping is under test here). */
    private static ReadModelProbe upToDate(Map<String, Long> versions) {
        return new ReadModelProbe() {
            @Override
            public String name() {
                return "up-to-date";
            }

            @Override
            public LogPosition checkpoint() {
                return LogPosition.START;
            }

            @Override
            public long appliedVersion(String streamId) {
                return versions.getOrDefault(streamId, 0L);
            }
        };
    }

    /** Tracks {@code BURST} writes from 4 threads; write {@code i} goes to stream {@code i % streams}, version {@code i / streams + 1}. */
    private static void burst(PostgresConsistencyMonitor monitor, String prefix, int streams) throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(writers.submit(() -> {
                    for (int i = thread; i < BURST; i += 4) {
                        monitor.track(new AppendResult(prefix + (i % streams), i / streams + 1L,
                                new LogPosition(1, i + 1L)), TYPES);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            writers.shutdownNow();
        }
    }

    @Test
    void aBurstOfDistinctStreamsKeepsAtMostTheCapAndCountsEveryDroppedWrite(StoreEndpoints stores) throws Exception {
        try (HikariDataSource ds = TestDatabase.migrated(stores)) {
            String prefix = TestDatabase.uniquePrefix("burst");
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            MonitorSettings settings = FAST.withVerification(FAST.verification().withMaxTracked(1_000)
                    .withInitialDelay(Duration.ofMinutes(10)));
            try (PostgresConsistencyMonitor monitor = new PostgresConsistencyMonitor(ds, TestDatabase.eventStore(ds),
                    List.of(new MonitoredReadModel(prefix + "rm", upToDate(Map.of()), TYPES)), null, Redriver.NONE,
                    List.of(), settings, registry, MonitorListener.NONE)) {
                monitor.start();
                burst(monitor, prefix + "s", BURST);

                assertThat(monitor.status().pendingVerifications()).isEqualTo(1_000);
                assertThat(monitor.status().readModels().get(0).pendingVerifications()).isEqualTo(1_000);
                assertThat(monitor.droppedVerifications()).isEqualTo(BURST - 1_000);
                assertThat(monitor.status().droppedVerifications()).isEqualTo(BURST - 1_000);
                assertThat(registry.get("projhub_verifications_dropped").counter().count()).isEqualTo(BURST - 1_000.0);
                assertThat(registry.get("projhub_verifications_pending").gauge().value()).isEqualTo(1_000.0);
                // writes of event types no read model handles are not tracked at all
                monitor.track(new AppendResult(prefix + "other", 1, new LogPosition(1, 1)), Set.of("SomethingElse"));
                assertThat(monitor.droppedVerifications()).isEqualTo(BURST - 1_000);
            }
        }
    }

    @Test
    void aBurstOnFewStreamsIsCoalescedToTheNewestVersionOfEachAndVerifiedOnce(StoreEndpoints stores) throws Exception {
        int streams = 500;
        try (HikariDataSource ds = TestDatabase.migrated(stores)) {
            String prefix = TestDatabase.uniquePrefix("coalesce");
            Map<String, Long> applied = new ConcurrentHashMap<>();
            for (int s = 0; s < streams; s++) {
                applied.put(prefix + s, (long) BURST / streams); // the newest version of each stream
            }
            TestMonitors.Recorder recorder = new TestMonitors.Recorder();
            MonitorSettings settings = FAST.withVerification(FAST.verification().withMaxTracked(1_000)
                    .withInitialDelay(Duration.ofSeconds(2)));
            try (PostgresConsistencyMonitor monitor = TestMonitors.monitor(ds, TestDatabase.eventStore(ds),
                    List.of(new MonitoredReadModel(prefix + "rm", upToDate(applied), TYPES)), null, Redriver.NONE,
                    List.of(), settings, recorder)) {
                monitor.start();
                burst(monitor, prefix, streams);
                assertThat(monitor.status().pendingVerifications()).isLessThanOrEqualTo(streams);
                assertThat(monitor.droppedVerifications()).isZero();

                await().atMost(Duration.ofSeconds(20)).until(() -> monitor.status().pendingVerifications() == 0);
                assertThat(recorder.checks).hasSize(streams).allSatisfy(check -> {
                    assertThat(check.expectedVersion()).isEqualTo(BURST / streams);
                    assertThat(check.caughtUp()).isTrue();
                });
            }
        }
    }

    /** Issue 14, part 2: a read model with a long backlog (its store down) cannot crowd out the others' verifications. */
    @Test
    void eachReadModelKeepsItsShareOfTheBoundSoOneBacklogCannotCrowdOutTheOthers(StoreEndpoints stores) throws Exception {
        try (HikariDataSource ds = TestDatabase.migrated(stores)) {
            String prefix = TestDatabase.uniquePrefix("share");
            MonitorSettings settings = FAST.withVerification(FAST.verification().withMaxTracked(1_000)
                    .withInitialDelay(Duration.ofMinutes(10)));
            try (PostgresConsistencyMonitor monitor = new PostgresConsistencyMonitor(ds, TestDatabase.eventStore(ds),
                    List.of(new MonitoredReadModel(prefix + "busy", upToDate(Map.of()), Set.of("BusyEvent")),
                            new MonitoredReadModel(prefix + "calm", upToDate(Map.of()), Set.of("CalmEvent"))),
                    null, Redriver.NONE, List.of(), settings, new SimpleMeterRegistry(), MonitorListener.NONE)) {
                monitor.start();
                for (int i = 0; i < 2_000; i++) {
                    monitor.track(new AppendResult(prefix + "busy-" + i, 1, new LogPosition(1, i + 1)), Set.of("BusyEvent"));
                }
                for (int i = 0; i < 100; i++) {
                    monitor.track(new AppendResult(prefix + "calm-" + i, 1, new LogPosition(2, i + 1)), Set.of("CalmEvent"));
                }

                Map<String, Integer> pending = new java.util.HashMap<>();
                monitor.status().readModels().forEach(m -> pending.put(m.name(), m.pendingVerifications()));
                assertThat(pending).containsEntry(prefix + "busy", 500).containsEntry(prefix + "calm", 100);
                assertThat(monitor.droppedVerifications()).isEqualTo(1_500);
            }
        }
    }
}
