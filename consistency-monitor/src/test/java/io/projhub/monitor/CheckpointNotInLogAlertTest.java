package io.projhub.monitor;

import static io.projhub.monitor.TestMonitors.FAST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.LaneSettings;
import io.projhub.core.projection.Projector;
import io.projhub.core.projection.SubscriberSettings;
import io.projhub.core.projection.internal.PollingProjectionSubscriber;
import io.projhub.monitor.internal.PostgresConsistencyMonitor;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

/**
 * Regression (issue 14, part 3): a read model whose store holds a checkpoint the log does not have (PostgreSQL
 * restored from a backup older than the stores) was waited on silently: its lane read after a position the log had
 * not reached and would skip every event up to it. The real subscriber now sees it and the monitor raises
 * CHECKPOINT_NOT_IN_LOG, naming the rebuild that recovers it.
 */
@RealStores
class CheckpointNotInLogAlertTest {

    /** A read model whose store "is ahead": its checkpoint is far past the log's head, in its own memory. */
    static final class AheadProjector implements Projector {
        private final String name;
        private volatile LogPosition checkpoint;

        AheadProjector(String name, LogPosition checkpoint) {
            this.name = name;
            this.checkpoint = checkpoint;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Set<String> eventTypes() {
            return TestMonitors.TYPES;
        }

        @Override
        public LogPosition checkpoint() {
            return checkpoint;
        }

        @Override
        public void apply(EventBatch batch) {
            if (batch.checkpoint().compareTo(checkpoint) > 0) {
                checkpoint = batch.checkpoint();
            }
        }
    }

    @Test
    void aCheckpointTheLogDoesNotHoldRaisesCheckpointNotInLogNamingTheRebuild(StoreEndpoints stores) throws Exception {
        try (HikariDataSource ds = TestDatabase.migrated(stores)) {
            EventStore store = TestDatabase.eventStore(ds);
            String name = "ahead-" + UUID.randomUUID().toString().substring(0, 8);
            LogPosition head = store.head().map(h -> h.position()).orElse(LogPosition.START);
            AheadProjector ahead = new AheadProjector(name, new LogPosition(head.txId() + 1_000_000, head.position() + 1_000_000));
            AheadProjector inLog = new AheadProjector(name + "-ok", head);
            SubscriberSettings quick = new SubscriberSettings(500, Duration.ofMillis(200), Duration.ofMillis(200),
                    Duration.ofSeconds(5), Duration.ofSeconds(5));
            try (PollingProjectionSubscriber subscriber = new PollingProjectionSubscriber(ds, store,
                    new java.util.LinkedHashMap<>(java.util.Map.of(ahead, LaneSettings.DEFAULTS, inLog, LaneSettings.DEFAULTS)),
                    quick, new SimpleMeterRegistry());
                 PostgresConsistencyMonitor monitor = TestMonitors.monitor(ds, store, List.of(), subscriber::status,
                         Redriver.NONE, List.of(), FAST, MonitorListener.NONE)) {
                subscriber.start();
                monitor.start();

                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    List<Alert> firing = monitor.alerts(Optional.of(AlertStatus.FIRING), 1000).stream()
                            .filter(a -> a.key().startsWith(name)).toList();
                    assertThat(firing).extracting(Alert::key).containsExactly(name + ":checkpoint-not-in-log");
                    assertThat(firing.get(0).kind()).isEqualTo(AlertKind.CHECKPOINT_NOT_IN_LOG);
                    assertThat(firing.get(0).summary()).contains("/api/admin/read-models/" + name + "/rebuild");
                });
                assertThat(subscriber.status().lanes()).filteredOn(l -> l.name().equals(name))
                        .allSatisfy(l -> assertThat(l.checkpointNotInLog()).isTrue());
                assertThat(subscriber.status().lanes()).filteredOn(l -> l.name().equals(name + "-ok"))
                        .allSatisfy(l -> assertThat(l.checkpointNotInLog()).isFalse());
            }
        }
    }

}
