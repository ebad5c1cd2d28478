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

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogHead;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.monitor.internal.PostgresConsistencyMonitor;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

/** Lag is read from each read model's own checkpoint: events after it and seconds since the event at it. */
@RealStores
class ReadModelLagTest {

    /** A read model whose store says it has everything: its checkpoint is the log's head. */
    private static ReadModelProbe caughtUp(EventStore store) {
        return new ReadModelProbe() {
            @Override
            public String name() {
                return "caught-up";
            }

            @Override
            public LogPosition checkpoint() {
                return store.head().map(LogHead::position).orElse(LogPosition.START);
            }

            @Override
            public long appliedVersion(String streamId) {
                return store.streamVersion(streamId);
            }
        };
    }

    private static ReadModelConsistency of(PostgresConsistencyMonitor monitor, String name) {
        return monitor.status().readModels().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void lagInEventsAndSecondsComesFromTheStoresCheckpointAndIsKeptAsABoundWhenTheStoreIsDown(StoreEndpoints stores)
            throws Exception {
        try (HikariDataSource ds = TestDatabase.migrated(stores)) {
            EventStore store = TestDatabase.eventStore(ds);
            String prefix = TestDatabase.uniquePrefix("lag");
            TestReadModel behind = new TestReadModel(prefix + "behind", ds);
            String stream = prefix + "order";
            AppendResult second = null;
            for (int i = 1; i <= 5; i++) {
                AppendResult result = append(store, stream);
                if (i <= 2) {
                    behind.apply(store.readStream(stream, i, i));
                    second = result;
                }
                Thread.sleep(400);
            }
            RecordedEvent applied = store.readStream(stream, 2, 2).get(0);
            RecordedEvent newest = store.readStream(stream, 5, 5).get(0);
            double atLeastSeconds = Duration.between(applied.recordedAt(), newest.recordedAt()).toMillis() / 1000.0;

            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (PostgresConsistencyMonitor monitor = new PostgresConsistencyMonitor(ds, store,
                    List.of(behind.monitored(TYPES), new MonitoredReadModel(prefix + "caught-up", caughtUp(store), TYPES)),
                    null, Redriver.NONE, List.of(), FAST, registry, MonitorListener.NONE)) {
                monitor.start();
                await().atMost(Duration.ofSeconds(10)).until(() -> of(monitor, behind.name).measuredAt() != null
                        && of(monitor, prefix + "caught-up").measuredAt() != null);

                ReadModelConsistency lagging = of(monitor, behind.name);
                assertThat(lagging.position()).isEqualTo(second.position().token());
                assertThat(lagging.lagEvents()).isGreaterThanOrEqualTo(3); // other tests may append meanwhile
                assertThat(lagging.lagSeconds()).isGreaterThanOrEqualTo(atLeastSeconds - 0.01);
                assertThat(lagging.state()).isEqualTo(ReadModelState.UNKNOWN); // no subscriber: no lane state
                assertThat(lagging.lastError()).isNull();
                assertThat(of(monitor, prefix + "caught-up").lagEvents()).isZero();
                assertThat(of(monitor, prefix + "caught-up").lagSeconds()).isZero();
                assertThat(monitor.status().head()).isNotNull();

                assertThat(registry.get("projhub_read_model_lag_events").tag("read_model", behind.name).gauge().value())
                        .isGreaterThanOrEqualTo(3.0);
                assertThat(registry.get("projhub_read_model_lag_seconds").tag("read_model", behind.name).gauge().value())
                        .isGreaterThanOrEqualTo(atLeastSeconds - 0.01);
                assertThat(registry.get("projhub_read_model_position").tag("read_model", behind.name).gauge().value())
                        .isEqualTo((double) second.position().position());
                assertThat(registry.get("projhub_read_model_lag_events").tag("read_model", prefix + "caught-up")
                        .gauge().value()).isZero();

                behind.down = true;
                await().atMost(Duration.ofSeconds(10)).until(() -> of(monitor, behind.name).state()
                        == ReadModelState.UNREACHABLE);
                ReadModelConsistency down = of(monitor, behind.name);
                assertThat(down.lastError()).contains("ConnectException");
                assertThat(down.position()).as("the last checkpoint read is kept").isEqualTo(second.position().token());
                assertThat(down.lagEvents()).isGreaterThanOrEqualTo(3);

                behind.down = false;
                behind.apply(store.readStream(stream, 3, 5));
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    ReadModelConsistency back = of(monitor, behind.name);
                    assertThat(back.state()).isEqualTo(ReadModelState.UNKNOWN);
                    assertThat(back.position()).isEqualTo(newest.logPosition().token());
                });
            }
        }
    }
}
