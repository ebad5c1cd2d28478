package io.projhub.monitor;

import static io.projhub.monitor.TestMonitors.FAST;
import static io.projhub.monitor.TestMonitors.TYPES;
import static io.projhub.monitor.TestMonitors.append;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.monitor.internal.PostgresConsistencyMonitor;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

/** The intervals between the checks of a write follow the configured exponential backoff, measured from recorded times. */
@RealStores
class BackoffScheduleTest {

    /** Runs one write against a read model that stays down and returns the check times, in nanoseconds. */
    private static List<Long> checkTimes(StoreEndpoints stores, VerificationSettings verification,
                                         TestMonitors.Recorder recorder, long[] trackedAt) throws Exception {
        try (HikariDataSource ds = TestDatabase.migrated(stores)) {
            EventStore store = TestDatabase.eventStore(ds);
            String prefix = TestDatabase.uniquePrefix("backoff");
            TestReadModel down = new TestReadModel(prefix + "down", ds);
            down.down = true;
            String stream = prefix + "order";
            try (PostgresConsistencyMonitor monitor = TestMonitors.monitor(ds, store, List.of(down.monitored(TYPES)),
                    null, new TestMonitors.StoreRedriver(store, down), List.of(), FAST.withVerification(verification),
                    recorder)) {
                monitor.start();
                AppendResult result = append(store, stream);
                trackedAt[0] = System.nanoTime();
                monitor.track(result, TYPES);
                await().atMost(Duration.ofSeconds(20)).until(() -> !TestDatabase.alerts(ds, down.name).isEmpty());
            }
            assertThat(recorder.retryRedrives(down.name, stream)).isEqualTo(verification.maxAttempts() - 1);
            return recorder.checksOf(down.name, stream).stream().map(VerificationCheck::nanoTime).toList();
        }
    }

    private static long base(VerificationSettings s, int failedChecks) {
        double interval = s.initialInterval().toMillis() * Math.pow(s.multiplier(), failedChecks - 1);
        return (long) Math.min(interval, s.maxInterval().toMillis());
    }

    @Test
    void withoutJitterTheChecksFollowTheInitialDelayAndTheDoublingIntervalUpToItsCap(StoreEndpoints stores)
            throws Exception {
        VerificationSettings verification = FAST.verification().withInitialDelay(Duration.ofMillis(300))
                .withBackoff(Duration.ofMillis(200), 2.0, 0.0, Duration.ofSeconds(1), 5);
        TestMonitors.Recorder recorder = new TestMonitors.Recorder();
        long[] trackedAt = new long[1];
        List<Long> times = checkTimes(stores, verification, recorder, trackedAt);

        assertThat(times).hasSize(5);
        long firstDelay = (times.get(0) - trackedAt[0]) / 1_000_000;
        assertThat(firstDelay).isBetween(300L - 50, 300L + 250);
        long[] expected = {200, 400, 800, 1000}; // the last one capped at maxInterval
        for (int i = 1; i < times.size(); i++) {
            long gap = (times.get(i) - times.get(i - 1)) / 1_000_000;
            assertThat(base(verification, i)).isEqualTo(expected[i - 1]);
            assertThat(gap).as("interval after failed check %d", i).isBetween(expected[i - 1] - 50, expected[i - 1] + 250);
        }
        assertThat(recorder.checks).allSatisfy(c -> {
            assertThat(c.caughtUp()).isFalse();
            assertThat(c.error()).contains("ConnectException");
        });
        assertThat(recorder.checks).extracting(VerificationCheck::attempt).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void withJitterEachIntervalStaysWithinTheRandomizationBand(StoreEndpoints stores) throws Exception {
        double jitter = 0.25;
        VerificationSettings verification = FAST.verification().withInitialDelay(Duration.ofMillis(100))
                .withBackoff(Duration.ofMillis(300), 1.5, jitter, Duration.ofSeconds(2), 5);
        TestMonitors.Recorder recorder = new TestMonitors.Recorder();
        List<Long> times = checkTimes(stores, verification, recorder, new long[1]);

        assertThat(times).hasSize(5);
        for (int i = 1; i < times.size(); i++) {
            long gap = (times.get(i) - times.get(i - 1)) / 1_000_000;
            long base = base(verification, i);
            assertThat(gap).as("interval after failed check %d (base %d ms)", i, base)
                    .isBetween((long) (base * (1 - jitter)) - 50, (long) (base * (1 + jitter)) + 250);
        }
    }
}
