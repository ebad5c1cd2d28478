package io.projhub.core.projection;

import static io.projhub.core.projection.SubscriberTestSupport.recorded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.projection.internal.PollingProjectionSubscriber;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Regression (issue 14, part 3): a prepared transaction (two-phase commit left pending: no session, no entry in
 * pg_stat_activity) pins the gap-safe frontier like any open transaction, but the probe looked at sessions only, so
 * lanes stopped with nothing named. It is now named (its gid) in the frontier status and in every lane's stalledBy.
 */
@RealStores
class PreparedTransactionFrontierTest {

    @Test
    void aPreparedTransactionThatPinsTheFrontierIsNamedAndTheLanesGoOnOnceItEnds(StoreEndpoints stores) throws Exception {
        try (var ds = SubscriberTestSupport.dataSource(stores)) {
            namedAndReleased(ds);
        }
    }

    private static void namedAndReleased(DataSource ds) throws Exception {
        EventStore store = SubscriberTestSupport.eventStore(ds);
        String prefix = "prepared-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        String gid = prefix + "gid";
        RecordingProjector lane = new RecordingProjector(prefix + "lane", ds, SubscriberTestSupport.logEnd(ds),
                Set.of("PreparedTestEvent"));
        try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                SubscriberTestSupport.lanes(lane, LaneSettings.DEFAULTS))) {
            subscriber.start();
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("select pg_current_xact_id()"); // takes a transaction id, as any write would
                s.execute("prepare transaction '" + gid + "'");
                c.setAutoCommit(true);
            }
            try {
                store.append(prefix + "s", "prepared", ExpectedVersion.ANY, List.of(new NewEvent("PreparedTestEvent",
                        JsonNodeFactory.instance.objectNode().put("n", 1))));

                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    FrontierStatus frontier = subscriber.status().frontier();
                    assertThat(frontier.pinned()).isTrue();
                    assertThat(frontier.holderPreparedGid()).isEqualTo(gid);
                    assertThat(frontier.describe()).contains("prepared transaction '" + gid + "'")
                            .contains("ROLLBACK PREPARED");
                    assertThat(subscriber.status().lanes()).allSatisfy(l -> assertThat(l.stalledBy()).contains(gid));
                });
                assertThat(recorded(ds, lane.name(), prefix)).as("held back behind the prepared transaction").isEmpty();
            } finally {
                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    s.execute("rollback prepared '" + gid + "'");
                }
            }
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(recorded(ds, lane.name(), prefix)).containsExactly(prefix + "s@1");
                assertThat(subscriber.status().frontier().pinned()).isFalse();
            });
        }
    }
}
