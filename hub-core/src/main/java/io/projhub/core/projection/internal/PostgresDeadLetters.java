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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.eventstore.postgres.SqlTransactions;
import io.projhub.core.projection.DeadLetter;

/**
 * The dead-letter table ({@code projection_dead_letters}): per lane and stream a chain of one head ({@code PENDING},
 * the event that failed) and the later events of that stream parked behind it ({@code PARKED}).
 */
public final class PostgresDeadLetters {

    private static final int MAX_STACK_CHARS = 16_000;

    /** The head of a chain; an event already parked that fails on replay becomes the head of the rest. */
    private static final String RECORD = """
            insert into projection_dead_letters
                   (lane, tx_id, position, stream_id, version, event_type, error, stack_trace, attempts)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?)
            on conflict (lane, position) do update
               set error = excluded.error, stack_trace = excluded.stack_trace,
                   attempts = projection_dead_letters.attempts + excluded.attempts,
                   status = 'PENDING', replayed_at = null, parked_behind = null, resolution = null, resolved_by = null
            returning id
            """;

    private static final String REPOINT = """
            update projection_dead_letters set parked_behind = ?
             where lane = ? and stream_id = ? and status = 'PARKED' and version > ?
            """;

    /**
     * Parks an event behind the first open dead letter of its stream. Should the chain be gone (a resolution that
     * stopped half-way), the event becomes a head itself: an event is never left neither applied nor recorded.
     */
    private static final String PARK = """
            insert into projection_dead_letters
                   (lane, tx_id, position, stream_id, version, event_type, error, stack_trace, attempts, status,
                    parked_behind)
            select ?, ?, ?, ?, ?, ?,
                   coalesce('parked behind dead letter ' || h.id || ' (version ' || h.version || ')',
                            'held back: its stream had an open dead-letter chain'),
                   '', 0, case when h.id is null then 'PENDING' else 'PARKED' end, h.id
              from (select 1) one
              left join lateral (select id, version from projection_dead_letters
                                  where lane = ? and stream_id = ? and status in ('PENDING', 'PARKED')
                                  order by version limit 1) h on true
            on conflict (lane, position) do nothing
            """;

    private static final String SELECT = """
            select id, lane, tx_id, position, stream_id, version, event_type, error, stack_trace, attempts, status,
                   created_at, replayed_at, parked_behind, resolution, resolved_by
              from projection_dead_letters
            """;

    private static final String RESOLVE = """
            update projection_dead_letters
               set status = ?, replayed_at = now(), resolution = ?, resolved_by = ?
             where id = ? and status in ('PENDING', 'PARKED')
            """;

    private static final String OPEN_COUNTS = """
            select lane, count(*), count(distinct stream_id) from projection_dead_letters
             where status in ('PENDING', 'PARKED') group by lane
            """;

    private static final String OPEN_HEADS = """
            select stream_id, min(version) from projection_dead_letters
             where lane = ? and status in ('PENDING', 'PARKED') group by stream_id
            """;

    /** Open dead letters of one lane: events waiting in chains, and the streams they hold back. */
    public record OpenCounts(long events, long streams) {
        public static final OpenCounts NONE = new OpenCounts(0, 0);
    }

    private final DataSource dataSource;

    public PostgresDeadLetters(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Records {@code event} as the head of its stream's chain on {@code lane}; returns the row's id. */
    public long record(String lane, RecordedEvent event, Throwable error, int attempts) throws SQLException {
        return SqlTransactions.inTransaction(dataSource, c -> {
            long id;
            try (PreparedStatement ps = c.prepareStatement(RECORD)) {
                ps.setString(1, lane);
                ps.setLong(2, event.txId());
                ps.setLong(3, event.position());
                ps.setString(4, event.streamId());
                ps.setLong(5, event.version());
                ps.setString(6, event.type());
                ps.setString(7, String.valueOf(error));
                ps.setString(8, stackTrace(error));
                ps.setInt(9, attempts);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(REPOINT)) {
                ps.setLong(1, id);
                ps.setString(2, lane);
                ps.setString(3, event.streamId());
                ps.setLong(4, event.version());
                ps.executeUpdate();
            }
            return id;
        });
    }

    /** Records each event as parked behind the head of its stream's chain on {@code lane} (idempotent). */
    public void park(String lane, List<RecordedEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(PARK)) {
            for (RecordedEvent event : events) {
                ps.setString(1, lane);
                ps.setLong(2, event.txId());
                ps.setLong(3, event.position());
                ps.setString(4, event.streamId());
                ps.setLong(5, event.version());
                ps.setString(6, event.type());
                ps.setString(7, lane);
                ps.setString(8, event.streamId());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The streams of {@code lane} that have an open chain, with its head's version: later events are parked. */
    public Map<String, Long> openHeads(String lane) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(OPEN_HEADS)) {
            ps.setString(1, lane);
            Map<String, Long> heads = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    heads.put(rs.getString(1), rs.getLong(2));
                }
            }
            return heads;
        }
    }

    /** Positions of the events of one stream an admin skipped on {@code lane}: never applied again (a re-drive). */
    public Set<Long> skippedPositions(String lane, String streamId) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select position from projection_dead_letters where lane = ? and stream_id = ? and status = 'SKIPPED'")) {
            ps.setString(1, lane);
            ps.setString(2, streamId);
            Set<Long> positions = new HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    positions.add(rs.getLong(1));
                }
            }
            return positions;
        }
    }

    /** The open chain of one stream on one lane, head first, then the parked events in version order. */
    public List<DeadLetter> chain(String lane, String streamId) throws SQLException {
        String sql = SELECT + " where lane = ? and stream_id = ? and status in ('PENDING', 'PARKED') order by version";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, lane);
            ps.setString(2, streamId);
            List<DeadLetter> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(read(rs));
                }
            }
            return result;
        }
    }

    /** Closes open dead letters in one transaction: REPLAYED (applied) or SKIPPED (with the reason and who). */
    public void resolve(List<Long> ids, String status, String resolution, String resolvedBy) throws SQLException {
        if (!DeadLetter.REPLAYED.equals(status) && !DeadLetter.SKIPPED.equals(status)) {
            throw new IllegalArgumentException("a dead letter is resolved as REPLAYED or SKIPPED, not " + status);
        }
        SqlTransactions.inTransaction(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(RESOLVE)) {
                for (long id : ids) {
                    ps.setString(1, status);
                    ps.setString(2, resolution);
                    ps.setString(3, resolvedBy);
                    ps.setLong(4, id);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    public List<DeadLetter> list(String lane, String streamId, String status, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder(SELECT).append(" where true");
        List<Object> args = new ArrayList<>();
        if (lane != null) {
            sql.append(" and lane = ?");
            args.add(lane);
        }
        if (streamId != null) {
            sql.append(" and stream_id = ?");
            args.add(streamId);
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

    /** Per lane: the open dead letters (heads and parked events) and the streams they hold back. */
    public Map<String, OpenCounts> openCounts() throws SQLException {
        Map<String, OpenCounts> counts = new HashMap<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(OPEN_COUNTS);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                counts.put(rs.getString(1), new OpenCounts(rs.getLong(2), rs.getLong(3)));
            }
        }
        return counts;
    }

    private static DeadLetter read(ResultSet rs) throws SQLException {
        return new DeadLetter(rs.getLong("id"), rs.getString("lane"),
                new LogPosition(rs.getLong("tx_id"), rs.getLong("position")), rs.getString("stream_id"),
                rs.getLong("version"), rs.getString("event_type"), rs.getString("error"), rs.getString("stack_trace"),
                rs.getInt("attempts"), rs.getString("status"), instant(rs.getTimestamp("created_at")),
                instant(rs.getTimestamp("replayed_at")), (Long) rs.getObject("parked_behind"),
                rs.getString("resolution"), rs.getString("resolved_by"));
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
