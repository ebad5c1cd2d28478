package io.projhub.projectors.influxdb;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

import javax.sql.DataSource;

/**
 * The last version an InfluxDB read model applied per stream, kept in PostgreSQL (the event store's database, in the
 * read models' schema), one table per read model version: {@code <schema>.<measurement>_versions (stream_id,
 * version)}. InfluxDB holds only the points: a tag per stream would make a series per stream, which InfluxDB keeps in
 * memory and drops slowly, and PostgreSQL is where no retention ever drops a record. A version only rises.
 */
final class PostgresStreamVersions {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final String UNDEFINED_TABLE = "42P01";

    private final DataSource dataSource;
    private final String schema;
    private final String table;
    private volatile boolean created;

    /**
     * @param schema      the read models' schema (created if missing)
     * @param measurement the read model's measurement; the table is named after it, in lower case
     * @throws IllegalArgumentException if the names do not make a plain identifier
     */
    PostgresStreamVersions(DataSource dataSource, String schema, String measurement) {
        this.dataSource = java.util.Objects.requireNonNull(dataSource, "dataSource");
        String name = (measurement + "_versions").toLowerCase(java.util.Locale.ROOT).replace('-', '_');
        if (!IDENTIFIER.matcher(schema).matches() || !IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException("the version records' table " + schema + "." + name
                    + " is not a plain identifier of up to 63 characters");
        }
        this.schema = schema;
        this.table = "\"" + schema + "\".\"" + name + "\"";
    }

    /** The recorded version of each of {@code streams} that has one. */
    Map<String, Long> read(Collection<String> streams) throws SQLException {
        if (streams.isEmpty()) {
            return new HashMap<>();
        }
        return withTable(() -> select(streams));
    }

    private Map<String, Long> select(Collection<String> streams) throws SQLException {
        Map<String, Long> versions = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select stream_id, version from " + table
                     + " where stream_id = any(?)")) {
            Array ids = c.createArrayOf("text", streams.toArray());
            ps.setArray(1, ids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return versions;
    }

    /** Up to {@code limit} records of streams after {@code after} in stream id order (the drift audit's walk). */
    Map<String, Long> page(String after, int limit) throws SQLException {
        return withTable(() -> {
            Map<String, Long> page = new java.util.LinkedHashMap<>();
            try (Connection c = dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement("select stream_id, version from " + table
                         + " where stream_id > ? order by stream_id limit ?")) {
                ps.setString(1, after);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        page.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            return page;
        });
    }

    /** Raises each stream's record to its version (never lowers one); one statement. */
    void raise(Map<String, Long> versions) throws SQLException {
        if (versions.isEmpty()) {
            return;
        }
        withTable(() -> {
            upsert(versions);
            return null;
        });
    }

    private void upsert(Map<String, Long> versions) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("insert into "
                + table + " as v (stream_id, version) select * from unnest(?::text[], ?::bigint[])"
                + " on conflict (stream_id) do update set version = greatest(v.version, excluded.version)")) {
            ps.setArray(1, c.createArrayOf("text", versions.keySet().toArray()));
            ps.setArray(2, c.createArrayOf("bigint", versions.values().toArray()));
            ps.executeUpdate();
        }
    }

    /** Removes one stream's record (a rewrite of the stream). */
    void forget(String stream) throws SQLException {
        withTable(() -> {
            try (Connection c = dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement("delete from " + table + " where stream_id = ?")) {
                ps.setString(1, stream);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** The table, schema-qualified and quoted. */
    String table() {
        return table;
    }

    /** Drops the table (a reset or a drop of the read model). */
    void drop() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("drop table if exists " + table);
        }
        created = false;
    }

    private interface Work<T> {
        T run() throws SQLException;
    }

    /** Runs {@code work} once the table exists; if it was dropped behind this instance's back, creates it again. */
    private <T> T withTable(Work<T> work) throws SQLException {
        ensureTable();
        try {
            return work.run();
        } catch (SQLException e) {
            if (!UNDEFINED_TABLE.equals(e.getSQLState())) {
                throw e;
            }
            created = false;
            ensureTable();
            return work.run();
        }
    }

    private void ensureTable() throws SQLException {
        if (created) {
            return;
        }
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("create schema if not exists \"" + schema + "\"");
            s.execute("create table if not exists " + table
                    + " (stream_id text primary key, version bigint not null)");
        }
        created = true;
    }
}
