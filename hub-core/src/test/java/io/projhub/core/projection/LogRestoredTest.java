package io.projhub.core.projection;

import static io.projhub.core.projection.SubscriberTestSupport.recorded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.eventstore.postgres.EventStoreMigrations;
import io.projhub.core.eventstore.postgres.LogResequencing;
import io.projhub.core.projection.internal.PollingProjectionSubscriber;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Issue 14, part 3: a log restored into another PostgreSQL cluster keeps transaction ids the new cluster has not
 * reached, so every later append sorts before the checkpoints and is never read. The subscriber detects it at start
 * and refuses to project, saying what happened and how to recover; the recovery re-sequences the log so that it
 * projects again, old events in stream order and new ones after them. Runs in its own database (projhub_recovery):
 * it rewrites every transaction id of the log it works on.
 */
@RealStores
class LogRestoredTest {

    private static final Set<String> TYPES = Set.of("RestoreTestEvent");

    static HikariDataSource recoveryDatabase(StoreEndpoints stores) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(stores.postgresUrl().replaceFirst("/[^/?]+(\\?|$)", "/projhub_recovery$1"));
        config.setUsername(stores.postgresUser());
        config.setPassword(stores.postgresPassword());
        config.setMaximumPoolSize(8);
        HikariDataSource ds = new HikariDataSource(config);
        EventStoreMigrations.migrate(ds);
        RecordingProjector.createTables(ds);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("truncate events, projection_dead_letters, idempotency_keys, test_recorded_events, test_checkpoints");
        }
        return ds;
    }

    private static AppendResult append(EventStore store, String stream, int n) {
        return store.append(stream, "restore", ExpectedVersion.ANY, List.of(new NewEvent("RestoreTestEvent",
                JsonNodeFactory.instance.objectNode().put("n", n))));
    }

    @Test
    void aLogRestoredIntoAnotherClusterIsRefusedAtStartAndProjectsAgainAfterTheResequencing(StoreEndpoints stores)
            throws Exception {
        try (HikariDataSource ds = recoveryDatabase(stores)) {
            EventStore store = SubscriberTestSupport.eventStore(ds);
            append(store, "a", 1);
            append(store, "b", 1);
            AppendResult a2 = append(store, "a", 2);
            // What a pg_dump/pg_restore into another cluster leaves: ids the cluster will only reach much later.
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.executeUpdate("update events set tx_id = (tx_id::text::bigint + 4000000000)::text::xid8");
            }
            LogResequencing resequencing = new LogResequencing(ds);
            assertThat(resequencing.foreignTransactionIds()).hasValueSatisfying(why -> assertThat(why)
                    .contains("restored into another cluster").contains("deploy/resequence-log.sh"));
            append(store, "b", 2); // appended after the restore, with this cluster's (lower) id

            RecordingProjector lane = new RecordingProjector("restored", ds, LogPosition.START, TYPES);
            try (PollingProjectionSubscriber refusing = SubscriberTestSupport.subscriber(ds, store,
                    SubscriberTestSupport.lanes(lane, LaneSettings.DEFAULTS))) {
                refusing.start();
                SubscriberStatus status = refusing.status();
                assertThat(status.refusedBecause()).contains("restored into another cluster");
                assertThat(status.lanes()).allSatisfy(l -> {
                    assertThat(l.state()).isEqualTo(LaneState.STOPPED);
                    assertThat(l.stalledBy()).contains("deploy/resequence-log.sh");
                });
                Thread.sleep(500);
                assertThat(recorded(ds, "restored", "")).as("nothing projected").isEmpty();
            }

            // A read model that had applied up to a2 keeps exactly that much after the re-sequencing.
            LogPosition before = new LogPosition(a2.position().txId() + 4_000_000_000L, a2.position().position());
            LogPosition after = resequencing.resequencedCheckpoint(before);
            assertThat(after).isEqualTo(new LogPosition(LogResequencing.RESEQUENCED_TX_ID, a2.position().position()));
            assertThat(resequencing.resequence()).isEqualTo(4);
            assertThat(resequencing.foreignTransactionIds()).isEmpty();
            assertThat(resequencing.resequencedCheckpoint(after)).as("running it again changes nothing").isEqualTo(after);

            try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                    SubscriberTestSupport.lanes(lane, LaneSettings.DEFAULTS))) {
                subscriber.start();
                assertThat(subscriber.status().refusedBecause()).isNull();
                append(store, "a", 3);
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(recorded(ds, "restored", ""))
                        .containsExactly("a@1", "b@1", "a@2", "b@2", "a@3"));

                // The log now found in another cluster under the running hub, although its ids are no longer ahead
                // (the new cluster's counter may already have passed them): the hub stops projecting at once.
                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    s.executeUpdate("update log_origin set system_identifier = 42");
                }
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                        assertThat(subscriber.status().refusedBecause()).contains("written in PostgreSQL cluster 42"));
                assertThat(subscriber.status().lanes()).allSatisfy(l -> assertThat(l.state()).isEqualTo(LaneState.STOPPED));
                assertThatThrownBy(() -> subscriber.redrive("restored", "a").get())
                        .hasMessageContaining("does not project");
            }
            assertThat(resequencing.foreignTransactionIds()).isPresent();
            resequencing.resequence();
            assertThat(resequencing.foreignTransactionIds()).as("the log lives in this cluster now").isEmpty();
        }
    }
}
