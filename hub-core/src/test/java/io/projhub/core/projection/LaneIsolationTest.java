package io.projhub.core.projection;

import static io.projhub.core.projection.SubscriberTestSupport.committed;
import static io.projhub.core.projection.SubscriberTestSupport.recorded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.projection.internal.PollingProjectionSubscriber;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import tools.jackson.databind.node.JsonNodeFactory;

@RealStores
class LaneIsolationTest {

    private static final Set<String> TYPES = Set.of("IsolationEvent");

    /** A read model whose store refuses connections while {@code down}, recording when it was tried. */
    static final class StoreDownProjector extends RecordingProjector {
        volatile boolean down;
        final List<Instant> failedAttempts = new CopyOnWriteArrayList<>();

        StoreDownProjector(String name, DataSource ds, LogPosition initial) {
            super(name, ds, initial, TYPES);
        }

        @Override
        protected void beforeApply(EventBatch batch) throws IOException {
            if (down) {
                failedAttempts.add(Instant.now());
                throw new java.net.ConnectException("Connection refused (test store is down)");
            }
        }
    }

    @Test
    void aLaneWhoseStoreFailsRetriesWithGrowingIntervalsWhileAnotherStaysLiveAndThenCatchesUpLosingNothing(
            StoreEndpoints stores) throws Exception {
        DataSource ds = SubscriberTestSupport.dataSource(stores);
        EventStore store = SubscriberTestSupport.eventStore(ds);
        String prefix = "iso-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        LogPosition start = SubscriberTestSupport.logEnd(ds);
        StoreDownProjector failing = new StoreDownProjector(prefix + "failing", ds, start);
        RecordingProjector healthy = new RecordingProjector(prefix + "healthy", ds, start, TYPES);
        LaneSettings retry = LaneSettings.DEFAULTS.withRetry(Duration.ofMillis(100), 2.0, Duration.ofSeconds(2), 5);

        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                SubscriberTestSupport.lanes(failing, retry, healthy, retry), SubscriberTestSupport.FAST, metrics)) {
            subscriber.start();
            failing.down = true;
            Instant downSince = Instant.now();
            for (int i = 0; i < 50; i++) {
                append(store, prefix + "s" + (i % 5));
            }

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(recorded(ds, healthy.name(), prefix)).hasSize(50);
                assertThat(lane(subscriber, failing.name()).state()).isEqualTo(LaneState.RETRYING);
                assertThat(lane(subscriber, healthy.name()).state()).isEqualTo(LaneState.LIVE);
            });
            assertThat(recorded(ds, failing.name(), prefix)).isEmpty();
            // The store stays down for 5 s in all; meanwhile the healthy lane keeps up with new events.
            append(store, prefix + "s-late");
            await().atMost(Duration.ofSeconds(5)).until(() -> recorded(ds, healthy.name(), prefix).size() == 51);
            Thread.sleep(Math.max(0, Duration.ofSeconds(5).minus(Duration.between(downSince, Instant.now())).toMillis()));
            assertThat(lane(subscriber, failing.name()).state()).isEqualTo(LaneState.RETRYING);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                // Other writers may share the test database, so: at least our 51, and more than the healthy lane's.
                double failingLag = metrics.get("projhub_lag_events").tag("lane", failing.name()).gauge().value();
                assertThat(failingLag).isGreaterThanOrEqualTo(51);
                assertThat(metrics.get("projhub_lag_events").tag("lane", healthy.name()).gauge().value()).isLessThan(failingLag);
                assertThat(metrics.get("projhub_lag_seconds").tag("lane", failing.name()).gauge().value()).isPositive();
            });
            assertThat(metrics.get("projhub_retries").tag("lane", failing.name()).counter().count()).isGreaterThanOrEqualTo(3);
            assertThat(metrics.get("projhub_poller_heartbeat_timestamp_seconds").gauge().value()).isPositive();
            failing.down = false;

            await().atMost(Duration.ofSeconds(30)).until(() -> recorded(ds, failing.name(), prefix).size() == 51);
            List<String> expected = committed(ds, prefix);
            assertThat(new HashSet<>(recorded(ds, failing.name(), prefix))).isEqualTo(new HashSet<>(expected));
            assertThat(recorded(ds, failing.name(), prefix)).hasSize(expected.size());
            assertThat(lane(subscriber, failing.name()).retries()).isGreaterThanOrEqualTo(failing.failedAttempts.size());
            assertThat(subscriber.deadLetters(failing.name(), null, null, 10)).as("a store outage dead-letters nothing").isEmpty();

            // The intervals between attempts grow (exponential backoff with 30 % jitter, capped at 2 s).
            List<Instant> attempts = failing.failedAttempts;
            assertThat(attempts).hasSizeGreaterThanOrEqualTo(4);
            Duration first = Duration.between(attempts.get(0), attempts.get(1));
            Duration later = Duration.between(attempts.get(attempts.size() - 2), attempts.get(attempts.size() - 1));
            assertThat(later).isGreaterThan(first.multipliedBy(3));
        }
    }

    static void append(EventStore store, String stream) {
        store.append(stream, "isolation", ExpectedVersion.ANY,
                List.of(new NewEvent("IsolationEvent", JsonNodeFactory.instance.objectNode().put("n", 1))));
    }

    static LaneStatus lane(PollingProjectionSubscriber subscriber, String name) {
        return subscriber.status().lanes().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
    }
}
