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
