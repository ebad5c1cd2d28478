package io.projhub.core.projection.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

import javax.sql.DataSource;

import io.projhub.core.eventstore.LogPosition;

/** The few reads about the log the subscriber needs beyond the event store's own. */
public final class LogStatistics {

    /** The last event no transaction in flight can precede: where a new shared poller may start reading. */
    private static final String SAFE_TAIL = """
            select tx_id::text::bigint as tx, position
              from events
             where events.tx_id < pg_snapshot_xmin(pg_current_snapshot())
             order by events.tx_id desc, events.position desc
             limit 1
            """;

    private static final String RECORDED_AT = """
            select recorded_at from events where position = ?
            """;

    private static final String CONTAINS = """
            select exists (select 1 from events where position = ? and tx_id::text::bigint = ?)
            """;

    private final DataSource dataSource;

    public LogStatistics(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public LogPosition safeTail() throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(SAFE_TAIL);
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new LogPosition(rs.getLong("tx"), rs.getLong("position")) : LogPosition.START;
        }
    }

    /**
     * Whether the log holds the event at {@code checkpoint} (a read model's checkpoint is always the position of an
     * event it applied, or the start). False means the store is ahead of the log, or belongs to another log: e.g.
     * PostgreSQL was restored from a backup older than the stores.
     */
    public boolean contains(LogPosition checkpoint) throws SQLException {
        if (checkpoint.equals(LogPosition.START)) {
            return true;
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(CONTAINS)) {
            ps.setLong(1, checkpoint.position());
            ps.setLong(2, checkpoint.txId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    public Optional<Instant> recordedAt(long position) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(RECORDED_AT)) {
            ps.setLong(1, position);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Timestamp ts = rs.getTimestamp(1);
                return Optional.of(ts.toInstant());
            }
        }
    }
}
