package io.projhub.monitor;

import java.net.ConnectException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.ReadModelProbe;

/**
 * A small read model kept in PostgreSQL: the applied version of each stream and a checkpoint row, written together.
 * While {@link #down} is set its store "refuses connections": apply and probe throw {@link ConnectException}.
 */
final class TestReadModel {

    private static final String UPSERT_VERSION = """
            insert into monitor_test_applied (read_model, stream_id, version) values (?, ?, ?)
            on conflict (read_model, stream_id) do update set version = greatest(monitor_test_applied.version, excluded.version)""";

    private static final String UPSERT_CHECKPOINT = """
            insert into monitor_test_checkpoint (read_model, tx_id, position) values (?, ?, ?)
            on conflict (read_model) do update set tx_id = excluded.tx_id, position = excluded.position
             where (monitor_test_checkpoint.tx_id, monitor_test_checkpoint.position) < (excluded.tx_id, excluded.position)""";

    final String name;
    private final DataSource ds;
    volatile boolean down;
    /** While set, the probe's many-stream query fails (the store itself answers): the monitor must ask one by one. */
    volatile boolean batchQueryFails;
    final AtomicInteger probeCalls = new AtomicInteger();
    /** Calls of the probe's {@code appliedVersions} (many streams in one query) and the streams they asked for. */
    /** Calls of the probe's {@code appliedVersion} (one stream). */
    final AtomicInteger streamProbeCalls = new AtomicInteger();
    final AtomicInteger batchProbeCalls = new AtomicInteger();
    final AtomicInteger batchProbedStreams = new AtomicInteger();

    TestReadModel(String name, DataSource ds) {
        this.name = name;
        this.ds = ds;
    }

    static void createTables(DataSource ds) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("""
                    create table if not exists monitor_test_applied (
                        read_model text not null, stream_id text not null, version bigint not null,
                        primary key (read_model, stream_id))""");
            s.execute("""
                    create table if not exists monitor_test_checkpoint (
                        read_model text primary key, tx_id bigint not null, position bigint not null)""");
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
                throw new IllegalStateException(e);
            }
        }
    }

    MonitoredReadModel monitored(Set<String> eventTypes) {
        return new MonitoredReadModel(name, probe(), eventTypes);
    }

    /** Applies events (the stream's versions and the checkpoint in one transaction), unless the store is down. */
    void apply(List<RecordedEvent> events) throws ConnectException {
        failIfDown();
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement version = c.prepareStatement(UPSERT_VERSION);
                 PreparedStatement checkpoint = c.prepareStatement(UPSERT_CHECKPOINT)) {
                for (RecordedEvent e : events) {
                    version.setString(1, name);
                    version.setString(2, e.streamId());
                    version.setLong(3, e.version());
                    version.addBatch();
                    checkpoint.setString(1, name);
                    checkpoint.setLong(2, e.txId());
                    checkpoint.setLong(3, e.position());
                    checkpoint.addBatch();
                }
                version.executeBatch();
                checkpoint.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    ReadModelProbe probe() {
        return new ReadModelProbe() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public LogPosition checkpoint() throws Exception {
                probeCalls.incrementAndGet();
                failIfDown();
                try (Connection c = ds.getConnection();
                     PreparedStatement ps = c.prepareStatement(
                             "select tx_id, position from monitor_test_checkpoint where read_model = ?")) {
                    ps.setString(1, name);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? new LogPosition(rs.getLong(1), rs.getLong(2)) : LogPosition.START;
                    }
                }
            }

            @Override
            public long appliedVersion(String streamId) throws Exception {
                probeCalls.incrementAndGet();
                streamProbeCalls.incrementAndGet();
                failIfDown();
                try (Connection c = ds.getConnection();
                     PreparedStatement ps = c.prepareStatement(
                             "select version from monitor_test_applied where read_model = ? and stream_id = ?")) {
                    ps.setString(1, name);
                    ps.setString(2, streamId);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? rs.getLong(1) : 0;
                    }
                }
            }

            @Override
            public java.util.Map<String, Long> appliedVersions(java.util.Collection<String> streamIds)
                    throws Exception {
                batchProbeCalls.incrementAndGet();
                batchProbedStreams.addAndGet(streamIds.size());
                failIfDown();
                if (batchQueryFails) {
                    throw new SQLException("query too large (test)");
                }
                java.util.Map<String, Long> versions = new java.util.LinkedHashMap<>();
                streamIds.forEach(id -> versions.put(id, 0L));
                try (Connection c = ds.getConnection();
                     PreparedStatement ps = c.prepareStatement("select stream_id, version from monitor_test_applied"
                             + " where read_model = ? and stream_id = any(?)")) {
                    ps.setString(1, name);
                    ps.setArray(2, c.createArrayOf("text", streamIds.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            versions.put(rs.getString(1), rs.getLong(2));
                        }
                    }
                }
                return versions;
            }
        };
    }

    private void failIfDown() throws ConnectException {
        if (down) {
            throw new ConnectException("Connection refused (test store " + name + " is down)");
        }
    }
}
