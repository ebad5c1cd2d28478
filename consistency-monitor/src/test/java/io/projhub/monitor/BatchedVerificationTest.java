package io.projhub.monitor;

import static io.projhub.monitor.TestMonitors.FAST;
import static io.projhub.monitor.TestMonitors.TYPES;
import static io.projhub.monitor.TestMonitors.append;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.monitor.internal.PostgresConsistencyMonitor;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

/**
 * The monitor asks a read model for many streams in one round trip: 1,200 writes due together are verified with a
 * handful of {@code appliedVersions} queries (at most 500 streams each), never one query per stream; and a stream the
 * read model missed in the middle of such a batch is still found, re-driven and repaired on its own.
 */
@RealStores
class BatchedVerificationTest {

    private static final int WRITES = 1_200;

    /** One write to each of {@code count} streams, all applied to the read model but {@code missed} (may be null). */
    private static List<AppendResult> oneWritePerStream(EventStore store, String prefix, int count,
                                                        TestReadModel readModel, String missed) throws Exception {
        List<AppendResult> writes = new ArrayList<>();
        List<RecordedEvent> applied = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            AppendResult result = append(store, prefix + "stream-" + i);
            writes.add(result);
            if (!result.streamId().equals(missed)) {
                applied.addAll(store.readStream(result.streamId(), 1));
            }
        }
        readModel.apply(applied);
        return writes;
    }

    @Test
    void writesDueTogetherAreCheckedWithOneQueryPerFiveHundredStreams(StoreEndpoints stores) throws Exception {
        try (HikariDataSource ds = TestDatabase.migrated(stores)) {
            EventStore store = TestDatabase.eventStore(ds);
            String prefix = TestDatabase.uniquePrefix("batched");
            TestReadModel readModel = new TestReadModel(prefix + "rm", ds);
            String missed = prefix + "stream-" + (WRITES / 2);
            List<AppendResult> writes = oneWritePerStream(store, prefix, WRITES, readModel, missed);

            TestMonitors.Recorder recorder = new TestMonitors.Recorder();
            TestMonitors.StoreRedriver redriver = new TestMonitors.StoreRedriver(store, readModel);
            try (PostgresConsistencyMonitor monitor = TestMonitors.monitor(ds, store,
                    List.of(readModel.monitored(TYPES)), null, redriver, List.of(), FAST, recorder)) {
                monitor.start();
                writes.forEach(write -> monitor.track(write, TYPES));

                await().atMost(Duration.ofSeconds(60)).untilAsserted(
                        () -> assertThat(monitor.status().pendingVerifications()).isZero());

                Set<String> caughtUp = recorder.checks.stream().filter(VerificationCheck::caughtUp)
                        .map(VerificationCheck::streamId).collect(Collectors.toSet());
                assertThat(caughtUp).hasSize(WRITES).contains(missed);
                assertThat(redriver.calls).containsExactly(readModel.name + ":" + missed);
                assertThat(readModel.streamProbeCalls.get()).as("one query per stream").isZero();
                // Every write became due within a few ticks: 1,200 streams in a few queries of at most 500, plus the
                // re-checks of the missed stream (4 attempts at most).
                assertThat(readModel.batchProbeCalls.get()).isBetween(3, 20);
                assertThat(readModel.batchProbedStreams.get()).isBetween(WRITES + 1, WRITES + 4);
            }
        }
    }

    @Test
    void aFailedManyStreamQueryIsAskedAgainStreamByStreamSoItCountsNoMissAndReDrivesNothing(StoreEndpoints stores)
            throws Exception {
        try (HikariDataSource ds = TestDatabase.migrated(stores)) {
            EventStore store = TestDatabase.eventStore(ds);
            String prefix = TestDatabase.uniquePrefix("batchfail");
            TestReadModel readModel = new TestReadModel(prefix + "rm", ds);
            readModel.batchQueryFails = true;
            List<AppendResult> writes = oneWritePerStream(store, prefix, 50, readModel, null);

            TestMonitors.Recorder recorder = new TestMonitors.Recorder();
            TestMonitors.StoreRedriver redriver = new TestMonitors.StoreRedriver(store, readModel);
            try (PostgresConsistencyMonitor monitor = TestMonitors.monitor(ds, store,
                    List.of(readModel.monitored(TYPES)), null, redriver, List.of(), FAST, recorder)) {
                monitor.start();
                writes.forEach(write -> monitor.track(write, TYPES));
                await().atMost(Duration.ofSeconds(60)).untilAsserted(
                        () -> assertThat(monitor.status().pendingVerifications()).isZero());

                assertThat(readModel.batchProbeCalls.get()).as("the batch query was tried").isPositive();
                assertThat(readModel.streamProbeCalls.get()).as("then each stream alone").isEqualTo(50);
                assertThat(recorder.checks).hasSize(50).allSatisfy(check -> assertThat(check.caughtUp()).isTrue());
                assertThat(redriver.calls).as("no stream re-driven for the query's failure").isEmpty();
            }
        }
    }
}
