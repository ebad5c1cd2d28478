package io.projhub.core.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.eventstore.postgres.PostgresEventStore;
import io.projhub.core.projection.internal.PollingProjectionSubscriber;
import io.projhub.testsupport.ForwardingDataSource;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import tools.jackson.databind.node.JsonNodeFactory;

/** Issue 14, part 3: lane settings the event store cannot serve are refused at start; a stopping lane never spins. */
@RealStores
class LaneStartAndStopTest {

    private static final Set<String> TYPES = Set.of("StopTestEvent");

    @Test
    void aBatchSizeAboveWhatTheEventStoreReadsInOneQueryIsRefusedAtStartNamingTheSetting(StoreEndpoints stores)
            throws Exception {
        try (var ds = SubscriberTestSupport.dataSource(stores)) {
            refusedAtStart(ds);
        }
    }

    private static void refusedAtStart(DataSource ds) throws Exception {
        EventStore store = SubscriberTestSupport.eventStore(ds);
        RecordingProjector projector = new RecordingProjector("too-big", ds, SubscriberTestSupport.logEnd(ds), TYPES);
        LaneSettings tooBig = new LaneSettings(PostgresEventStore.MAX_READ_ALL_LIMIT + 1, 8, Duration.ofMillis(200),
                2.0, 0.3, Duration.ofSeconds(30), 5, PoisonPolicy.DEAD_LETTER_AND_CONTINUE);

        assertThatThrownBy(() -> SubscriberTestSupport.subscriber(ds, store, SubscriberTestSupport.lanes(projector, tooBig)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch size 10001 of read model too-big")
                .hasMessageContaining("at most 10000")
                .hasMessageContaining("projhub.projection.lanes.too-big.batch-size");
        SubscriberSettings pollTooBig = new SubscriberSettings(PostgresEventStore.MAX_READ_ALL_LIMIT + 1,
                Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(5));
        assertThatThrownBy(() -> SubscriberTestSupport.subscriber(ds, store, SubscriberTestSupport.lanes(projector,
                LaneSettings.DEFAULTS), pollTooBig, new SimpleMeterRegistry()))
                .hasMessageContaining("projhub.projection.poll-batch-size");
    }

    /**
     * The dead-letter table becomes unreachable (PostgreSQL down for the hub's own tables) while a lane tries to
     * record a poison event: it retries, and when the hub stops it leaves that loop (it used to retry for ever and
     * hold the shutdown). Nothing is lost: the checkpoint stays before the event.
     */
    @Test
    void aLaneRetryingADeadLetterWriteWhilePostgresIsDownStopsWhenAsked(StoreEndpoints stores) throws Exception {
        try (var ds = SubscriberTestSupport.dataSource(stores)) {
            stopsWhileDown(ds);
        }
    }

    private static void stopsWhileDown(DataSource ds) throws Exception {
        EventStore store = SubscriberTestSupport.eventStore(ds);
        SwitchableDataSource hubTables = new SwitchableDataSource(ds);
        String prefix = "stop-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        RecordingProjector projector = new RecordingProjector(prefix + "lane", ds, SubscriberTestSupport.logEnd(ds), TYPES) {
            @Override
            protected void beforeApply(EventBatch batch) {
                if (batch.events().stream().anyMatch(e -> e.data().path("poison").asBoolean(false))) {
                    hubTables.down.set(true);
                    throw new IllegalArgumentException("cannot map a poison event");
                }
            }
        };
        LaneSettings quick = LaneSettings.DEFAULTS.withRetry(Duration.ofMillis(20), 1.5, Duration.ofMillis(100), 2);
        SubscriberSettings settings = new SubscriberSettings(500, Duration.ofMillis(200), Duration.ofMillis(200),
                Duration.ofSeconds(1), Duration.ofSeconds(10));
        PollingProjectionSubscriber subscriber = new PollingProjectionSubscriber(hubTables, store,
                SubscriberTestSupport.lanes(projector, quick), settings, new SimpleMeterRegistry());
        subscriber.start();
        var poison = store.append(prefix + "s", "stop", ExpectedVersion.ANY, List.of(new NewEvent("StopTestEvent",
                JsonNodeFactory.instance.objectNode().put("poison", true))));
        await().atMost(Duration.ofSeconds(30)).until(() ->
                String.valueOf(LaneIsolationTest.lane(subscriber, projector.name()).lastError())
                        .contains("PostgreSQL is down"));

        subscriber.close();

        LaneStatus lane = LaneIsolationTest.lane(subscriber, projector.name());
        assertThat(lane.state()).as("the lane thread ended").isEqualTo(LaneState.STOPPED);
        assertThat(projector.checkpoint().covers(poison.position()))
                .as("the checkpoint stays before the poison event that is neither applied nor recorded").isFalse();
        assertThat(SubscriberTestSupport.recorded(ds, projector.name(), prefix)).isEmpty();
    }

    /** The hub's own tables on a PostgreSQL the test can "take down": connections are refused while down. */
    static final class SwitchableDataSource extends ForwardingDataSource {
        final AtomicBoolean down = new AtomicBoolean();
        final AtomicBoolean refused = new AtomicBoolean();

        SwitchableDataSource(DataSource delegate) {
            super(delegate);
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (down.get()) {
                refused.set(true);
                throw new SQLTransientConnectionException("connection refused (PostgreSQL is down)");
            }
            return super.getConnection();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return getConnection();
        }
    }
}
