package io.projhub.projectors.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import javax.sql.DataSource;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.postgres.SqlTransactions;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.Projector;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.core.projection.RecordedStreams;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.ReadModelDefinition;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.definitions.audit.Rewrites;
import io.projhub.definitions.changes.Change;
import io.projhub.definitions.changes.DocumentFolding;
import io.projhub.definitions.DefinedReadModel;
import io.projhub.projectors.jdbc.DefinedTables.Child;
import io.projhub.projectors.jdbc.DefinedTables.Column;

/**
 * A read model of a definition file in PostgreSQL, in the tables {@link DefinedTables} describes (created at
 * construction if missing, never altered: a changed definition has a new version, hence new tables).
 *
 * <p>Each batch reads the version records of the batch's streams, skips every event at or below its stream's
 * version and composes the changes of the others ({@link DefinedBatch}); then one short transaction locks those
 * records, finds them as they were read, writes the changes with JDBC batches, raises the version records and stores
 * the checkpoint with the program's hash (see {@code Writer.apply} for why the changes are computed before it). A
 * redelivery never moves the checkpoint back; applying the same batch again finds every event recorded and changes
 * nothing.
 *
 * <p>For a program that reads {@code doc}, the events to apply are chosen first; then the current rows of their keys
 * are read with one {@code key = any(?)} select (and locked and compared again in the writing transaction), and the
 * changes are computed against them folded through the batch ({@link DocumentFolding}). {@code doc} holds the main
 * table's fields, not the child rows.
 */
public final class JdbcDefinedReadModel implements DefinedReadModel {

    /** The largest page {@link #rows} returns. */
    public static final int MAX_PAGE_SIZE = 100;

    /**
     * A page of main-table rows: equality {@code filters} on declared columns (or {@code key}; on a set or list
     * column, "contains"), sorted by {@code sort} (a declared scalar column or {@code key}; null for {@code key}),
     * {@code page} from 0, {@code size} from 1 to {@value #MAX_PAGE_SIZE}.
     */
    public record RowsQuery(Map<String, String> filters, String sort, boolean desc, int page, int size) {

        public RowsQuery {
            filters = filters == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(filters));
            if (size < 1 || size > MAX_PAGE_SIZE) {
                throw new IllegalArgumentException("size must be between 1 and " + MAX_PAGE_SIZE + ", was " + size);
            }
            if (page < 0) {
                throw new IllegalArgumentException("page must not be negative, was " + page);
            }
        }
    }

    /** {@code total} matching rows and this page's rows (each with its {@code key}, typed like {@code document()}). */
    public record RowsResult(long total, List<Map<String, Object>> rows) {
        public RowsResult {
            rows = List.copyOf(rows);
        }
    }

    private static final String SCHEMA_LOCK = "select pg_advisory_xact_lock(hashtext('projhub-defined-schema'))";

    private final DataSource dataSource;
    private final ReadModelProgram program;
    private final ReadModelDefinition definition;
    private final DefinedTables tables;
    private final int generation;
    /** The checkpoint row's name: the definition's, with the generation after a rebuild. */
    private final String checkpointName;
    private final Writer projector = new Writer();
    private final Probe probe;

    /**
     * @param schema the namespace, a plain lower-case identifier (the schema is created if missing)
     * @throws IllegalArgumentException if a name of the definition is not valid here
     */
    public JdbcDefinedReadModel(DataSource dataSource, String schema, ReadModelProgram program) throws SQLException {
        this(dataSource, schema, program, 0);
    }

    /**
     * @param generation which build of the version (0: the first; a rebuild's tables end {@code _v<version>r<n>}
     *                   and its checkpoint row is named {@code <name>~r<n>})
     */
    public JdbcDefinedReadModel(DataSource dataSource, String schema, ReadModelProgram program, int generation)
            throws SQLException {
        this.dataSource = dataSource;
        this.generation = generation;
        this.probe = new Probe(dataSource);
        this.program = program;
        this.definition = program.definition();
        this.tables = new DefinedTables(schema, definition, generation);
        this.checkpointName = generation == 0 ? definition.name() : definition.name() + "~r" + generation;
        SqlTransactions.inTransaction(dataSource, c -> {
            try (Statement s = c.createStatement()) {
                s.execute(SCHEMA_LOCK);
                for (String ddl : tables.ddl()) {
                    s.execute(ddl);
                }
            }
            return null;
        });
    }

    @Override
    public ReadModelProgram program() {
        return program;
    }

    @Override
    public Projector projector() {
        return projector;
    }

    @Override
    public int generation() {
        return generation;
    }

    @Override
    public ReadModelProbe probe() {
        return probe;
    }

    /** A probe reading through other connections (e.g. a small pool of its own for read-your-writes waits). */
    public ReadModelProbe probe(DataSource connections) {
        return new Probe(connections);
    }

    /** The main table's name (with its version), unqualified: {@code <table>_v<version>}. */
    public String tableName() {
        return tables.mainName();
    }

    /** The per-stream version records' table, schema-qualified and quoted. */
    public String versionsTable() {
        return tables.versions();
    }

    @Override
    public Optional<String> storedHash() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "select hash from " + tables.checkpoints() + " where name = ? and version = ?")) {
            ps.setString(1, checkpointName);
            ps.setInt(2, definition.version());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /**
     * The row of {@code key} (its declared fields that have a value; not the key itself) with, under each child
     * table's name, the list of its child rows (key columns and values, ordered by key), read in one snapshot.
     * {@code depth} plays no part here.
     */
    @Override
    public Optional<Map<String, Object>> document(String key, int depth) throws SQLException {
        return SqlTransactions.inSnapshot(dataSource, c -> {
            Map<String, Object> document;
            try (PreparedStatement ps = c.prepareStatement("select * from " + tables.main() + " where key = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    document = row(rs, tables.fields().values(), false);
                }
            }
            for (Child child : tables.children().values()) {
                List<Map<String, Object>> rows = new ArrayList<>();
                List<Column> columns = new ArrayList<>(child.key());
                columns.addAll(child.values().values());
                String order = String.join(", ", child.key().stream().map(Column::quoted).toList());
                try (PreparedStatement ps = c.prepareStatement("select * from " + tables.table(child)
                        + " where parent_key = ? order by " + order)) {
                    ps.setString(1, key);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            rows.add(row(rs, columns, false));
                        }
                    }
                }
                document.put(child.name(), rows);
            }
            return Optional.of(document);
        });
    }

    private static Map<String, Object> row(ResultSet rs, Iterable<Column> columns, boolean withKey)
            throws SQLException {
        Map<String, Object> row = new LinkedHashMap<>();
        if (withKey) {
            row.put(DefinedTables.KEY, rs.getString(DefinedTables.KEY));
        }
        for (Column column : columns) {
            Object value = DefinedValues.read(rs, column.name(), column);
            if (value != null) {
                row.put(column.name(), value);
            }
        }
        return row;
    }

    /**
     * A page of the main table's rows.
     *
     * @throws IllegalArgumentException naming the column if a filter or the sort names no declared column, or a
     *                                  filter's value is not of its column's type
     */
    public RowsResult rows(RowsQuery query) throws SQLException {
        StringBuilder where = new StringBuilder();
        List<Column> filterColumns = new ArrayList<>();
        List<Object> filterValues = new ArrayList<>();
        for (Map.Entry<String, String> filter : query.filters().entrySet()) {
            Column column = queryColumn("filter", filter.getKey());
            if (filter.getValue() == null) {
                throw new IllegalArgumentException("filter " + filter.getKey() + ": a value is required");
            }
            Object value = DefinedValues.parseFilter(column, filter.getValue());
            where.append(where.isEmpty() ? " where " : " and ").append(column.quoted())
                    .append(column.type().collection() ? " @> " : " = ").append(column.parameter());
            filterColumns.add(column);
            filterValues.add(value);
        }
        Column sort = queryColumn("sort", query.sort() == null ? DefinedTables.KEY : query.sort());
        if (sort.json()) {
            throw new IllegalArgumentException("sort: column " + sort.name() + " is a " + sort.type().id()
                    + " and cannot be sorted on");
        }
        String direction = query.desc() ? " desc" : " asc";
        String select = "select * from " + tables.main() + where + " order by " + sort.quoted() + direction
                + " nulls last, key" + direction + " limit ? offset ?";
        String count = "select count(*) from " + tables.main() + where;
        return SqlTransactions.inSnapshot(dataSource, c -> {
            long total;
            try (PreparedStatement ps = c.prepareStatement(count)) {
                bindFilters(ps, filterColumns, filterValues);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(select)) {
                int p = bindFilters(ps, filterColumns, filterValues);
                ps.setInt(p++, query.size());
                ps.setLong(p, (long) query.page() * query.size());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(row(rs, tables.fields().values(), true));
                    }
                }
            }
            return new RowsResult(total, rows);
        });
    }

    private Column queryColumn(String what, String name) {
        if (DefinedTables.KEY.equals(name)) {
            return new Column(DefinedTables.KEY, io.projhub.definitions.FieldSpec.of(DefinedTables.KEY,
                    io.projhub.definitions.FieldType.KEYWORD));
        }
        Column column = name == null ? null : tables.fields().get(name);
        if (column == null) {
            throw new IllegalArgumentException(what + ": unknown column '" + name + "' (declared: key, "
                    + String.join(", ", tables.fields().keySet()) + ")");
        }
        return column;
    }

    private static int bindFilters(PreparedStatement ps, List<Column> columns, List<Object> values)
            throws SQLException {
        int p = 1;
        for (int i = 0; i < columns.size(); i++) {
            DefinedValues.bind(ps, p++, columns.get(i), values.get(i));
        }
        return p;
    }

    /** Drops this read model's tables and deletes its checkpoint; the schema and other read models stay. */
    @Override
    public void drop() throws SQLException {
        SqlTransactions.inTransaction(dataSource, c -> {
            try (Statement s = c.createStatement()) {
                s.execute("drop table if exists " + String.join(", ", tables.ownTables()));
            }
            deleteCheckpoint(c);
            return null;
        });
    }

    private void deleteCheckpoint(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "delete from " + tables.checkpoints() + " where name = ? and version = ?")) {
            ps.setString(1, checkpointName);
            ps.setInt(2, definition.version());
            ps.executeUpdate();
        }
    }

    private LogPosition readCheckpoint() throws SQLException {
        return readCheckpoint(dataSource);
    }

    private LogPosition readCheckpoint(DataSource from) throws SQLException {
        try (Connection c = from.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "select tx_id, position from " + tables.checkpoints() + " where name = ? and version = ?")) {
            ps.setString(1, checkpointName);
            ps.setInt(2, definition.version());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new LogPosition(rs.getLong(1), rs.getLong(2)) : LogPosition.START;
            }
        }
    }

    /** Raises the version records of {@code versions}' streams (never lowers one). */
    private void raiseVersions(Connection c, Map<String, Long> versions) throws SQLException {
        if (versions.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("insert into " + tables.versions() + " as v (stream_id, version)"
                + " select * from unnest(?::text[], ?::bigint[])"
                + " on conflict (stream_id) do update set version = excluded.version"
                + " where v.version < excluded.version")) {
            ps.setArray(1, c.createArrayOf("text", versions.keySet().toArray(String[]::new)));
            ps.setArray(2, c.createArrayOf("bigint", versions.values().toArray(Long[]::new)));
            ps.executeUpdate();
        }
    }

    /** The lane's projector. */
    private final class Writer implements Projector {

        @Override
        public String name() {
            return definition.name();
        }

        @Override
        public Set<String> eventTypes() {
            return program.eventTypes();
        }

        @Override
        public LogPosition checkpoint() throws SQLException {
            return readCheckpoint();
        }

        /**
         * Computes the batch's changes first, from version records and documents read without a lock, then writes them
         * in a short transaction that locks those records and documents and finds them unchanged. Why: a PostgreSQL
         * transaction that holds a transaction id (a row lock or a write gives it one) holds back the gap-safe read of
         * the log for every lane, since no event appended after it is delivered until it ends; computing the changes
         * inside it kept it open for the whole CPU work of the batch (0.4–0.8 s under load). When something else
         * changed the records in between (nothing does while this lane is their only writer), the batch is computed
         * again inside the locking transaction, as before.
         */
        @Override
        public void apply(EventBatch batch) throws Exception {
            Map<String, Long> read = versions(batch.events());
            Map<String, Map<String, Object>> documentsRead = new HashMap<>();
            Set<String> keysRead = new LinkedHashSet<>();
            Plan plan = plan(batch.events(), new HashMap<>(read), keys -> {
                Map<String, Map<String, Object>> documents = readDocuments(keys);
                keysRead.addAll(keys);
                documentsRead.putAll(documents);
                return documents;
            });
            boolean written = SqlTransactions.inTransaction(dataSource, c -> {
                if (!lockVersions(c, batch.events()).equals(read)
                        || (!keysRead.isEmpty() && !lockDocuments(c, keysRead).equals(documentsRead))) {
                    return false;
                }
                write(c, plan, batch.checkpoint());
                return true;
            });
            if (!written) {
                SqlTransactions.inTransaction(dataSource, c -> {
                    write(c, plan(batch.events(), lockVersions(c, batch.events()), keys -> lockDocuments(c, keys)),
                            batch.checkpoint());
                    return null;
                });
            }
        }

        /** A batch's changes, and the versions they raise. */
        private record Plan(DefinedBatch changes, Map<String, Long> raised) {
        }

        /** The changes of the events above their stream's {@code recorded} version (which it raises as it goes). */
        private Plan plan(List<RecordedEvent> events, Map<String, Long> recorded, DocumentFolding.DocumentLoader loader)
                throws Exception {
            Map<String, Long> raised = new LinkedHashMap<>();
            DefinedBatch changes = new DefinedBatch(tables);
            if (program.usesDocument()) {
                List<RecordedEvent> toApply = new ArrayList<>(events.size());
                for (RecordedEvent event : events) {
                    if (event.version() <= recorded.getOrDefault(event.streamId(), 0L)) {
                        continue;
                    }
                    toApply.add(event);
                    recorded.put(event.streamId(), event.version());
                    raised.put(event.streamId(), event.version());
                }
                List<List<Change>> folded = DocumentFolding.changes(program, toApply, loader);
                for (int i = 0; i < toApply.size(); i++) {
                    for (Change change : folded.get(i)) {
                        changes.add(toApply.get(i), change);
                    }
                }
            } else {
                for (RecordedEvent event : events) {
                    if (event.version() <= recorded.getOrDefault(event.streamId(), 0L)) {
                        continue;
                    }
                    for (Change change : program.changes(event)) {
                        changes.add(event, change);
                    }
                    recorded.put(event.streamId(), event.version());
                    raised.put(event.streamId(), event.version());
                }
            }
            return new Plan(changes, raised);
        }

        private void write(Connection c, Plan plan, LogPosition checkpoint) throws SQLException {
            plan.changes().write(c);
            raiseVersions(c, plan.raised());
            saveCheckpoint(c, checkpoint);
        }

        /** The recorded versions of the batch's streams, read without a lock (no transaction id is taken). */
        private Map<String, Long> versions(List<RecordedEvent> events) throws SQLException {
            try (Connection c = dataSource.getConnection()) {
                return selectVersions(c, events, "");
            }
        }

        /** The current documents of {@code keys}, read without a lock (see {@link #lockDocuments}). */
        private Map<String, Map<String, Object>> readDocuments(Set<String> keys) throws SQLException {
            try (Connection c = dataSource.getConnection()) {
                return selectDocuments(c, keys, "");
            }
        }

        /** The recorded versions of the batch's streams, locked until the transaction ends. */
        private Map<String, Long> lockVersions(Connection c, List<RecordedEvent> events) throws SQLException {
            return selectVersions(c, events, " for update");
        }

        private Map<String, Long> selectVersions(Connection c, List<RecordedEvent> events, String lock)
                throws SQLException {
            Map<String, Long> versions = new HashMap<>();
            if (events.isEmpty()) {
                return versions;
            }
            String[] streams = events.stream().map(RecordedEvent::streamId).distinct().toArray(String[]::new);
            try (PreparedStatement ps = c.prepareStatement("select stream_id, version from " + tables.versions()
                    + " where stream_id = any(?)" + lock)) {
                ps.setArray(1, c.createArrayOf("text", streams));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        versions.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            return versions;
        }

        /**
         * The current documents of {@code keys} (their main-table fields that have a value, typed like
         * {@link JdbcDefinedReadModel#document}; child rows are not part of {@code doc}), read in one statement
         * inside the writing transaction and locked until it ends: to confirm what the fold read without a lock (or,
         * when that changed, for the fold computed again under the lock).
         */
        private Map<String, Map<String, Object>> lockDocuments(Connection c, Set<String> keys) throws SQLException {
            return selectDocuments(c, keys, " for update");
        }

        private Map<String, Map<String, Object>> selectDocuments(Connection c, Set<String> keys, String lock)
                throws SQLException {
            Map<String, Map<String, Object>> documents = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("select * from " + tables.main()
                    + " where key = any(?) order by key" + lock)) {
                ps.setArray(1, c.createArrayOf("text", keys.toArray(String[]::new)));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        documents.put(rs.getString(DefinedTables.KEY), row(rs, tables.fields().values(), false));
                    }
                }
            }
            return documents;
        }

        /** Stores the checkpoint with the hash; the checkpoint only moves forward. */
        private void saveCheckpoint(Connection c, LogPosition checkpoint) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into %s as k (name, version, tx_id, position, hash) values (?, ?, ?, ?, ?)
                    on conflict (name, version) do update set
                        tx_id = case when (k.tx_id, k.position) < (excluded.tx_id, excluded.position)
                                     then excluded.tx_id else k.tx_id end,
                        position = case when (k.tx_id, k.position) < (excluded.tx_id, excluded.position)
                                        then excluded.position else k.position end,
                        hash = excluded.hash,
                        updated_at = now()
                    """.formatted(tables.checkpoints()))) {
                bindCheckpoint(ps, checkpoint);
                ps.executeUpdate();
            }
        }

        private void bindCheckpoint(PreparedStatement ps, LogPosition checkpoint) throws SQLException {
            ps.setString(1, checkpointName);
            ps.setInt(2, definition.version());
            ps.setLong(3, checkpoint.txId());
            ps.setLong(4, checkpoint.position());
            ps.setString(5, program.hash());
        }

        /** Empties this read model's tables and version records and deletes its checkpoint, in one transaction. */
        @Override
        public void reset() throws SQLException {
            SqlTransactions.inTransaction(dataSource, c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("truncate " + String.join(", ", tables.ownTables()));
                }
                deleteCheckpoint(c);
                return null;
            });
        }

        /**
         * Deletes the stream's row (its key is the stream id), its child rows and its version record in one
         * transaction, then applies its events in another. Should the second fail, the stream has no version record
         * and the next audit finds it missing and applies it again.
         */
        @Override
        public void rewrite(String streamId, EventBatch batch) throws Exception {
            Rewrites.foldOwn(program, streamId, batch.events());
            SqlTransactions.inTransaction(dataSource, c -> {
                deleteWhere(c, tables.main(), DefinedTables.KEY, streamId);
                for (DefinedTables.Child child : tables.children().values()) {
                    deleteWhere(c, tables.table(child), DefinedTables.PARENT_KEY, streamId);
                }
                deleteWhere(c, tables.versions(), "stream_id", streamId);
                return null;
            });
            apply(batch);
        }

        private static void deleteWhere(Connection c, String table, String column, String value) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("delete from " + table + " where "
                    + DefinedTables.quote(column) + " = ?")) {
                ps.setString(1, value);
                ps.executeUpdate();
            }
        }

        @Override
        public void recordSkipped(String streamId, long version) throws SQLException {
            SqlTransactions.inTransaction(dataSource, c -> {
                raiseVersions(c, Map.of(streamId, version));
                return null;
            });
        }

        /** Sets the checkpoint to exactly {@code checkpoint}, also backwards (recovery only). */
        @Override
        public void overwriteCheckpoint(LogPosition checkpoint) throws SQLException {
            SqlTransactions.inTransaction(dataSource, c -> {
                try (PreparedStatement ps = c.prepareStatement("""
                        insert into %s (name, version, tx_id, position, hash) values (?, ?, ?, ?, ?)
                        on conflict (name, version) do update
                           set tx_id = excluded.tx_id, position = excluded.position, updated_at = now()
                        """.formatted(tables.checkpoints()))) {
                    bindCheckpoint(ps, checkpoint);
                    ps.executeUpdate();
                }
                return null;
            });
        }

        /** Lost connections, shutdowns, serialization failures and lack of resources are PostgreSQL's. */
        @Override
        public FailureKind classify(Throwable failure) {
            return JdbcDefinedReadModel.classify(failure);
        }
    }

    static FailureKind classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ChangeFailure) {
                return FailureKind.PERMANENT;
            }
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return FailureKind.TRANSIENT;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")
                        || state.equals("40001") || state.equals("40P01")) {
                    return FailureKind.TRANSIENT;
                }
            }
        }
        return FailureKind.ofCauseChain(failure);
    }

    private final class Probe implements ReadModelProbe {

        private final DataSource connections;

        Probe(DataSource connections) {
            this.connections = connections;
        }

        @Override
        public String name() {
            return definition.name();
        }

        @Override
        public LogPosition checkpoint() throws SQLException {
            return readCheckpoint(connections);
        }

        @Override
        public long appliedVersion(String streamId) throws SQLException {
            try (Connection c = connections.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "select version from " + tables.versions() + " where stream_id = ?")) {
                ps.setString(1, streamId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0;
                }
            }
        }

        @Override
        public Map<String, Long> appliedVersions(Collection<String> streamIds) throws SQLException {
            Map<String, Long> versions = new LinkedHashMap<>();
            for (String streamId : streamIds) {
                versions.put(streamId, 0L);
            }
            if (streamIds.isEmpty()) {
                return versions;
            }
            try (Connection c = connections.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "select stream_id, version from " + tables.versions() + " where stream_id = any(?)")) {
                ps.setArray(1, c.createArrayOf("text", streamIds.toArray(String[]::new)));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        versions.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            return versions;
        }

        @Override
        public RecordedStreams recordedStreams(String cursor, int limit) throws SQLException {
            try (Connection c = connections.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "select stream_id, version from " + tables.versions()
                            + " where stream_id > ? order by stream_id limit ?")) {
                ps.setString(1, cursor == null ? "" : cursor);
                ps.setInt(2, limit);
                Map<String, Long> page = new LinkedHashMap<>();
                String last = null;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        last = rs.getString(1);
                        page.put(last, rs.getLong(2));
                    }
                }
                return new RecordedStreams(page, page.size() < limit ? null : last);
            }
        }
    }
}
