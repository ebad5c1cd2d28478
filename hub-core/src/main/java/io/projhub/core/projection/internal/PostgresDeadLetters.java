package io.projhub.core.projection.internal;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.DeadLetter;

/** The dead-letter table ({@code projection_dead_letters}). */
public final class PostgresDeadLetters {

    private static final int MAX_STACK_CHARS = 16_000;

    private static final String RECORD = """
            insert into projection_dead_letters
                   (lane, tx_id, position, stream_id, version, event_type, error, stack_trace, attempts)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?)
            on conflict (lane, position) do update
               set error = excluded.error, stack_trace = excluded.stack_trace,
                   attempts = projection_dead_letters.attempts + excluded.attempts,
                   status = 'PENDING', replayed_at = null
            """;

    private static final String SELECT = """
            select id, lane, tx_id, position, stream_id, version, event_type, error, stack_trace, attempts, status,
                   created_at, replayed_at
              from projection_dead_letters
            """;

    private static final String MARK_REPLAYED = """
            update projection_dead_letters set status = 'REPLAYED', replayed_at = now() where id = ?
            """;

    private static final String PENDING_COUNTS = """
            select lane, count(*) from projection_dead_letters where status = 'PENDING' group by lane
            """;

    private final DataSource dataSource;

    public PostgresDeadLetters(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void record(String lane, RecordedEvent event, Throwable error, int attempts) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(RECORD)) {
            ps.setString(1, lane);
            ps.setLong(2, event.txId());
            ps.setLong(3, event.position());
            ps.setString(4, event.streamId());
            ps.setLong(5, event.version());
            ps.setString(6, event.type());
            ps.setString(7, String.valueOf(error));
            ps.setString(8, stackTrace(error));
            ps.setInt(9, attempts);
            ps.executeUpdate();
        }
    }

    public List<DeadLetter> list(String lane, String status, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder(SELECT).append(" where true");
        List<Object> args = new ArrayList<>();
        if (lane != null) {
            sql.append(" and lane = ?");
            args.add(lane);
        }
        if (status != null) {
            sql.append(" and status = ?");
            args.add(status);
        }
        sql.append(" order by id limit ?");
        args.add(limit);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            List<DeadLetter> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(read(rs));
                }
            }
            return result;
        }
    }

    public Optional<DeadLetter> find(long id) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(SELECT + " where id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    public void markReplayed(long id) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(MARK_REPLAYED)) {
            ps.setLong(1, id);
            ps.executeUpdate();
        }
    }

    public Map<String, Long> pendingCounts() throws SQLException {
        Map<String, Long> counts = new HashMap<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(PENDING_COUNTS);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getLong(2));
            }
        }
        return counts;
    }

    private static DeadLetter read(ResultSet rs) throws SQLException {
        return new DeadLetter(rs.getLong("id"), rs.getString("lane"),
                new LogPosition(rs.getLong("tx_id"), rs.getLong("position")), rs.getString("stream_id"),
                rs.getLong("version"), rs.getString("event_type"), rs.getString("error"), rs.getString("stack_trace"),
                rs.getInt("attempts"), rs.getString("status"), instant(rs.getTimestamp("created_at")),
                instant(rs.getTimestamp("replayed_at")));
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }

    private static String stackTrace(Throwable error) {
        StringWriter out = new StringWriter();
        error.printStackTrace(new PrintWriter(out));
        String text = out.toString();
        return text.length() <= MAX_STACK_CHARS ? text : text.substring(0, MAX_STACK_CHARS) + "\n…";
    }
}
