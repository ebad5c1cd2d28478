package io.projhub.core.projection.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;

import javax.sql.DataSource;

import io.projhub.core.projection.FrontierStatus;

/**
 * Finds what holds the gap-safe frontier back: committed events exist at or above the oldest in-flight
 * transaction id, and that transaction (in any database of the cluster: transaction ids are cluster-wide) is
 * named with how long it has been open: a session, or a prepared transaction left by a two-phase commit.
 */
final class FrontierProbe {

    private static final String HELD_BACK = """
            select exists (select 1 from events where tx_id >= pg_snapshot_xmin(pg_current_snapshot()))
            """;

    /** The oldest transaction holding an id: a session's, or a prepared one (two-phase commit, no session). */
    private static final String OLDEST_HOLDER = """
            select pid, datname, state, xact_start, query_start, gid,
                   extract(epoch from clock_timestamp() - xact_start) as open_seconds
              from (select pid, datname, state, xact_start, query_start, null::text as gid, age(backend_xid) as age
                      from pg_stat_activity
                     where backend_xid is not null and pid <> pg_backend_pid()
                    union all
                    select null, database, 'prepared', prepared, null, gid, age(transaction)
                      from pg_prepared_xacts) holders
             order by age desc
             limit 1
            """;

    private final DataSource dataSource;
    private final Duration pinnedAfter;

    FrontierProbe(DataSource dataSource, Duration pinnedAfter) {
        this.dataSource = dataSource;
        this.pinnedAfter = pinnedAfter;
    }

    FrontierStatus probe() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(HELD_BACK); ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return FrontierStatus.FREE;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(OLDEST_HOLDER); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return FrontierStatus.FREE;
                }
                double seconds = rs.getDouble("open_seconds");
                return new FrontierStatus(seconds, seconds >= pinnedAfter.toMillis() / 1000.0,
                        (Integer) rs.getObject("pid"), rs.getString("datname"), rs.getString("state"),
                        instant(rs.getTimestamp("xact_start")), instant(rs.getTimestamp("query_start")),
                        rs.getString("gid"));
            }
        }
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}
