package io.projhub.core.projection;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;

/**
 * A read model in PostgreSQL for tests: records every event it is given, with its checkpoint in the same
 * transaction, so its checkpoint is real and a restart resumes from what the table says. Events at or before the
 * stored checkpoint are counted as duplicate deliveries and not recorded again (as a real SQL projector would).
 */
public class RecordingProjector implements Projector {

    private static final String SCHEMA = """
            create table if not exists test_recorded_events (
                seq       bigint generated always as identity primary key,
                lane      text   not null,
                tx_id     bigint not null,
                position  bigint not null,
                stream_id text   not null,
                version   bigint not null
            );
            create index if not exists test_recorded_events_lane_idx on test_recorded_events (lane, stream_id);
            create table if not exists test_skipped_versions (
                lane      text   not null,
                stream_id text   not null,
                version   bigint not null,
                primary key (lane, stream_id, version)
            );
            create table if not exists test_checkpoints (
                lane     text primary key,
                tx_id    bigint not null,
                position bigint not null
            );
            """;

    private final String name;
    private final DataSource dataSource;
    private final LogPosition initial;
    private final Set<String> eventTypes;
    private final AtomicLong duplicateDeliveries = new AtomicLong();

    /**
     * @param initial where the read model starts when it has no checkpoint yet (tests start at the log's tail so
     *                they do not read what earlier runs wrote)
     */
    public RecordingProjector(String name, DataSource dataSource, LogPosition initial, Set<String> eventTypes) {
        this.name = name;
        this.dataSource = dataSource;
        this.initial = initial;
        this.eventTypes = eventTypes;
    }

    public static void createTables(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(SCHEMA);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<String> eventTypes() {
        return eventTypes;
    }

    @Override
    public LogPosition checkpoint() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select tx_id, position from test_checkpoints where lane = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new LogPosition(rs.getLong(1), rs.getLong(2)) : initial;
            }
        }
    }

    @Override
    public void apply(EventBatch batch) throws Exception {
        beforeApply(batch);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                LogPosition stored = lockCheckpoint(c);
                List<RecordedEvent> fresh = new ArrayList<>();
                for (RecordedEvent e : batch.events()) {
                    if (e.logPosition().compareTo(stored) > 0 || batch.redelivery() && !recorded(c, e)) {
                        fresh.add(e);
                    } else if (!batch.redelivery()) {
                        duplicateDeliveries.incrementAndGet();
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "insert into test_recorded_events (lane, tx_id, position, stream_id, version) values (?, ?, ?, ?, ?)")) {
                    for (RecordedEvent e : fresh) {
                        ps.setString(1, name);
                        ps.setLong(2, e.txId());
                        ps.setLong(3, e.position());
                        ps.setString(4, e.streamId());
                        ps.setLong(5, e.version());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                if (batch.checkpoint().compareTo(stored) > 0) {
                    try (PreparedStatement ps = c.prepareStatement("""
                            insert into test_checkpoints (lane, tx_id, position) values (?, ?, ?)
                            on conflict (lane) do update set tx_id = excluded.tx_id, position = excluded.position
                            """)) {
                        ps.setString(1, name);
                        ps.setLong(2, batch.checkpoint().txId());
                        ps.setLong(3, batch.checkpoint().position());
                        ps.executeUpdate();
                    }
                }
                c.commit();
            } catch (Exception e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Records the skipped version in the read model's own table (its version record), idempotently. */
    @Override
    public void recordSkipped(String streamId, long version) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into test_skipped_versions (lane, stream_id, version) values (?, ?, ?) on conflict do nothing")) {
            ps.setString(1, name);
            ps.setString(2, streamId);
            ps.setLong(3, version);
            ps.executeUpdate();
        }
    }

    /** A hook for tests that make this read model's store fail. */
    protected void beforeApply(EventBatch batch) throws Exception {
    }

    private boolean recorded(Connection c, RecordedEvent e) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select 1 from test_recorded_events where lane = ? and position = ?")) {
            ps.setString(1, name);
            ps.setLong(2, e.position());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private LogPosition lockCheckpoint(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select tx_id, position from test_checkpoints where lane = ? for update")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new LogPosition(rs.getLong(1), rs.getLong(2)) : initial;
            }
        }
    }

    public long duplicateDeliveries() {
        return duplicateDeliveries.get();
    }
}
