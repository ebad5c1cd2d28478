package io.projhub.core.eventstore.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

import javax.sql.DataSource;

import io.projhub.core.eventstore.LogPosition;

/**
 * A log restored into another PostgreSQL cluster ({@code pg_dump}/{@code pg_restore}) keeps the transaction ids it
 * was written with, but the new cluster hands out ids from where its own counter stands, usually far lower. The
 * gap-safe read orders the log by {@code (tx_id, position)} and reads only below the oldest transaction in flight,
 * so every event appended after such a restore sorts before the read models' checkpoints and is never read: silent
 * loss. This class detects it and repairs it.
 *
 * <p>The repair gives every stored event (and dead letter, and idempotency key) the same transaction id
 * {@link #RESEQUENCED_TX_ID}, below any id the cluster will hand out, so the log is ordered by position: each
 * stream's events keep their order (a stream's later event is always appended after its earlier one commits, so at
 * a higher position), and every later append sorts after them. A read model's checkpoint {@code (t, p)} becomes
 * {@code (RESEQUENCED_TX_ID, p')}, {@code p'} being the highest position below the first event it may lack (one
 * after {@code (t, p)} in the old order, or any past position {@code p}: events appended after the restore carry
 * the new cluster's lower ids but were never delivered): nothing it lacks is skipped, and the events after
 * {@code p'} it already had are applied again, which the stores' per-stream version records make harmless.
 *
 * <p>The order of the recovery ({@code deploy/resequence-log.sh}): with the hub's lanes stopped, compute each read
 * model's new checkpoint with {@link #resequencedCheckpoint} and overwrite it in its store, then {@link #resequence}.
 * Running it again is safe (at worst a read model applies more events again).
 */
public final class LogResequencing {

    /** The transaction id every stored event gets: below any the cluster hands out (normal ids start at 3). */
    public static final long RESEQUENCED_TX_ID = 1;

    private static final String CLUSTER = "select system_identifier from pg_control_system()";

    private static final String RECORDED_CLUSTER = "select system_identifier from log_origin where id = 1";

    private static final String RECORD_CLUSTER = """
            insert into log_origin (id, system_identifier) values (1, ?)
            on conflict (id) do update set system_identifier = excluded.system_identifier, recorded_at = now()
            """;

    private static final String FOREIGN = """
            select (select max(tx_id)::text::bigint from events) as log_max,
                   pg_snapshot_xmax(pg_current_snapshot())::text::bigint as cluster_next
            """;

    /**
     * The first position a read model at {@code (t, p)} may lack: past it in the old order, or past {@code p} at all
     * (events appended after the restore carry this cluster's lower ids, yet were never delivered; a restored event
     * past {@code p} may have been applied, and applying it again is harmless).
     */
    private static final String FIRST_NOT_COVERED = """
            select min(position) from events where position > ? or (tx_id::text::bigint, position) > (?, ?)
            """;

    private static final String HIGHEST_BELOW = """
            select max(position) from events where position < ?
            """;

    private static final String HIGHEST = "select max(position) from events";

    private final DataSource dataSource;

    public LogResequencing(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Empty if the log's transaction ids belong to this cluster; else what happened and how to recover, for the
     * hub to refuse to project with. Two signs, either suffices: the log was recorded in another cluster than this
     * one ({@code log_origin}, set at the first check of a log), or it holds transaction ids this cluster has not
     * handed out yet. The first catches a restore even once this cluster's counter has passed the log's ids (events
     * appended since the restore would still sort before older ones).
     */
    public Optional<String> foreignTransactionIds() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            long cluster;
            try (ResultSet rs = s.executeQuery(CLUSTER)) {
                rs.next();
                cluster = rs.getLong(1);
            }
            Long recorded = null;
            try (ResultSet rs = s.executeQuery(RECORDED_CLUSTER)) {
                if (rs.next()) {
                    recorded = rs.getLong(1);
                }
            }
            long logMax;
            long clusterNext;
            boolean empty;
            try (ResultSet rs = s.executeQuery(FOREIGN)) {
                rs.next();
                logMax = rs.getLong("log_max");
                empty = rs.wasNull();
                clusterNext = rs.getLong("cluster_next");
            }
            boolean idsAhead = !empty && logMax >= clusterNext;
            if (recorded == null && !idsAhead) {
                recordCluster(c, cluster); // the first check of this log: it lives here
                return Optional.empty();
            }
            if (recorded != null && recorded == cluster && !idsAhead) {
                return Optional.empty();
            }
            String what = recorded != null && recorded != cluster
                    ? "The event log was written in PostgreSQL cluster " + recorded + " and now lives in cluster "
                            + cluster + " (pg_dump/pg_restore or another copy)"
                    : "The event log holds transaction ids up to " + logMax + ", but this PostgreSQL cluster hands "
                            + "out ids from " + clusterNext + ": the log was restored into another cluster "
                            + "(pg_dump/pg_restore)";
            return Optional.of(what + ". Its transaction ids are not this cluster's: events appended now would sort "
                    + "before every read model's checkpoint and never be projected, so the hub does not project. "
                    + "Recover: stop the hub, run deploy/resequence-log.sh (it re-sequences the log's transaction "
                    + "ids and rewrites every read model's checkpoint to match), then start the hub again.");
        }
    }

    private static void recordCluster(Connection c, long cluster) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RECORD_CLUSTER)) {
            ps.setLong(1, cluster);
            ps.executeUpdate();
        }
    }

    /** The checkpoint a read model at {@code current} must have once the log is re-sequenced. */
    public LogPosition resequencedCheckpoint(LogPosition current) throws SQLException {
        if (current.equals(LogPosition.START) || current.txId() == RESEQUENCED_TX_ID) {
            return current; // nothing to map, or already re-sequenced (a second run after a partial one)
        }
        try (Connection c = dataSource.getConnection()) {
            Long firstNotCovered;
            try (PreparedStatement ps = c.prepareStatement(FIRST_NOT_COVERED)) {
                ps.setLong(1, current.position());
                ps.setLong(2, current.txId());
                ps.setLong(3, current.position());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    long value = rs.getLong(1);
                    firstNotCovered = rs.wasNull() ? null : value;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(firstNotCovered == null ? HIGHEST : HIGHEST_BELOW)) {
                if (firstNotCovered != null) {
                    ps.setLong(1, firstNotCovered);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    long highest = rs.getLong(1);
                    return rs.wasNull() ? LogPosition.START : new LogPosition(RESEQUENCED_TX_ID, highest);
                }
            }
        }
    }

    /**
     * Gives every stored event, dead letter and idempotency key the transaction id {@link #RESEQUENCED_TX_ID} and
     * records this cluster as the log's, in one transaction that holds appends off meanwhile. Returns the number of
     * events re-sequenced.
     */
    public long resequence() throws SQLException {
        return SqlTransactions.inTransaction(dataSource, c -> {
            try (Statement s = c.createStatement()) {
                s.execute("set local statement_timeout = 0"); // a large log takes a while; nothing else runs meanwhile
                s.execute("lock table events in exclusive mode");
                long events = s.executeUpdate("update events set tx_id = '" + RESEQUENCED_TX_ID + "'::xid8 "
                        + "where tx_id <> '" + RESEQUENCED_TX_ID + "'::xid8");
                s.executeUpdate("update projection_dead_letters set tx_id = " + RESEQUENCED_TX_ID
                        + " where tx_id <> " + RESEQUENCED_TX_ID);
                s.executeUpdate("update idempotency_keys set tx_id = " + RESEQUENCED_TX_ID
                        + " where tx_id <> " + RESEQUENCED_TX_ID);
                try (ResultSet rs = s.executeQuery(CLUSTER)) {
                    rs.next();
                    recordCluster(c, rs.getLong(1)); // the log lives here now
                }
                return events;
            }
        });
    }
}
