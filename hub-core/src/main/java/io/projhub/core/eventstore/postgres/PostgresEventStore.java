package io.projhub.core.eventstore.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.postgresql.util.PSQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.projhub.core.error.ConcurrencyConflictException;
import io.projhub.core.error.IdempotencyKeyReusedException;
import io.projhub.core.error.InvalidCommandException;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.EventStoreException;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.IdempotencyKey;
import io.projhub.core.eventstore.LogHead;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.eventstore.Snapshot;
import io.projhub.core.eventstore.StreamVersion;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The event store on PostgreSQL, with plain JDBC (tables: {@code events}, {@code snapshots},
 * {@code idempotency_keys}; see {@link EventStoreMigrations}).
 *
 * <p>An append's first write is its event insert, so the transaction id stored with each event
 * ({@code pg_current_xact_id()}) is taken at that moment; {@link #readAll} relies on it. After appends a
 * {@link #NOTIFICATION_CHANNEL} notification follows the commits (one for the commits of up to 10 ms, see
 * {@link AppendNotifier}), so a subscriber may wake early; polling stays the guarantee.
 */
public final class PostgresEventStore implements EventStore {

    /** LISTEN on this channel to hear of new events. */
    public static final String NOTIFICATION_CHANNEL = "projhub_events";

    /** The most events one {@link #readAll} may return. */
    public static final int MAX_READ_ALL_LIMIT = 10_000;

    private static final Logger log = LoggerFactory.getLogger(PostgresEventStore.class);
    private static final Pattern NAME = Pattern.compile(STREAM_ID_PATTERN);
    private static final Pattern SNAPSHOT_TYPE = Pattern.compile("[A-Za-z0-9._:/-]{1,128}");
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String STREAM_VERSION_CONSTRAINT = "events_stream_version_unique";
    /** An append at any version only loses a race to another writer; it tries again this many times in all. */
    private static final int ANY_VERSION_ATTEMPTS = 5;

    private static final String EVENT_COLUMNS = """
            position, tx_id::text::bigint as tx, stream_id, stream_type, version, event_type, schema_version,
            data::text as data, metadata::text as metadata, recorded_at""";

    private static final String STREAM_HEAD = """
            select version, stream_type
              from events
             where stream_id = ?
             order by version desc
             limit 1""";

    private static final String INSERT_EVENTS = """
            insert into events (stream_id, stream_type, version, event_type, schema_version, data, metadata)
            values %s
            returning position, tx_id::text::bigint as tx, version""";

    private static final String INSERT_EVENT_ROW = "(?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)";

    private static final String FIND_KEY = """
            select stream_id, version, tx_id, position, request_fingerprint
              from idempotency_keys
             where idempotency_key = ?""";

    // A concurrent transaction holding the same key makes this wait for its outcome, then insert or do nothing.
    private static final String INSERT_KEY = """
            insert into idempotency_keys (idempotency_key, stream_id, version, tx_id, position, request_fingerprint)
            values (?, ?, ?, ?, ?, ?)
            on conflict (idempotency_key) do nothing""";

    private static final String READ_STREAM = """
            select %s
              from events
             where stream_id = ? and version between ? and ?
             order by version""".formatted(EVENT_COLUMNS);

    private static final String READ_STREAM_UNTIL_INSTANT = """
            select %s
              from events
             where stream_id = ? and recorded_at <= ?
             order by version""".formatted(EVENT_COLUMNS);

    private static final String STREAM_VERSION_AT = """
            select coalesce(max(version), 0)
              from events
             where stream_id = ? and recorded_at <= ?""";

    /*
     * The gap-safe read (ARCHITECTURE.md invariant 2). Every transaction below the snapshot's xmin has ended, so
     * no event can still appear before the returned ones in (tx_id, position) order; an event written by a
     * transaction still in flight holds back everything after it until that transaction ends.
     */
    private static final String READ_ALL = """
            select %s
              from events
             where (tx_id, position) > (?::text::xid8, ?)
               and tx_id < pg_snapshot_xmin(pg_current_snapshot())
             order by tx_id, position
             limit ?""".formatted(EVENT_COLUMNS);

    private static final String HEAD = """
            select position, tx_id::text::bigint as tx, recorded_at
              from events
             order by tx_id desc, position desc
             limit 1""";

    private static final String COUNT_AFTER = """
            select count(*)
              from events
             where (tx_id, position) > (?::text::xid8, ?)""";

    private static final String STREAM_VERSIONS_AFTER = """
            select stream_id, max(version)
              from events
             where stream_id > ? and event_type = any(?) and (tx_id, position) <= (?::text::xid8, ?)
             group by stream_id
             order by stream_id
             limit ?""";

    private static final String STREAM_VERSIONS_OF = """
            select stream_id, max(version)
              from events
             where stream_id = any(?) and event_type = any(?)
             group by stream_id""";

    private static final String SAVE_SNAPSHOT = """
            insert into snapshots (stream_id, snapshot_type, version, state)
            values (?, ?, ?, ?::jsonb)
            on conflict do nothing""";

    private static final String LATEST_SNAPSHOT = """
            select stream_id, snapshot_type, version, state::text as state, created_at
              from snapshots
             where stream_id = ? and snapshot_type = ? and version <= ?
             order by version desc
             limit 1""";

    private final DataSource dataSource;
    private final EventTypeRegistry registry;
    private final JsonMapper mapper;
    private final AppendNotifier notifier;

    public PostgresEventStore(DataSource dataSource, EventTypeRegistry registry) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.mapper = registry.mapper();
        this.notifier = new AppendNotifier(dataSource, NOTIFICATION_CHANNEL);
    }

    // ---------------------------------------------------------------- append

    @Override
    public AppendResult append(String streamId, String streamType, ExpectedVersion expected, List<NewEvent> events,
                               IdempotencyKey key) {
        requireName("streamId", streamId);
        requireName("streamType", streamType);
        Objects.requireNonNull(expected, "expected");
        List<EncodedEvent> encoded = encode(events);
        int attempts = expected instanceof ExpectedVersion.Any ? ANY_VERSION_ATTEMPTS : 1;
        for (int attempt = 1; ; attempt++) {
            try {
                return appendOnce(streamId, streamType, expected, encoded, key);
            } catch (ConcurrencyConflictException e) {
                if (attempt >= attempts) {
                    throw e;
                }
                log.debug("Append at any version to {} lost a race, attempt {}", streamId, attempt);
            } catch (SQLException e) {
                throw new EventStoreException("Append to " + streamId + " failed: " + e.getMessage(), e);
            }
        }
    }

    private AppendResult appendOnce(String streamId, String streamType, ExpectedVersion expected,
                                    List<EncodedEvent> events, IdempotencyKey key) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                return appendInTransaction(c, streamId, streamType, expected, events, key);
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                restoreAutoCommitQuietly(c, autoCommit);
            }
        }
    }

    /**
     * Best effort: once the append has committed, a connection that breaks now (the server shutting down right after
     * the commit, which restoring auto-commit is the first to notice) must not turn a committed append into a
     * failure, which a caller without an idempotency key would retry into a duplicate. The pool resets or discards
     * the connection anyway.
     */
    private static void restoreAutoCommitQuietly(Connection c, boolean autoCommit) {
        try {
            c.setAutoCommit(autoCommit);
        } catch (SQLException e) {
            log.debug("Could not restore auto-commit on a connection the pool will discard: {}", e.getMessage());
        }
    }

    private AppendResult appendInTransaction(Connection c, String streamId, String streamType,
                                             ExpectedVersion expected, List<EncodedEvent> events,
                                             IdempotencyKey key) throws SQLException {
        // Reads only until the event insert: a read takes no transaction id.
        if (key != null) {
            Optional<AppendResult> first = findAppend(c, key);
            if (first.isPresent()) {
                c.rollback();
                return first.get();
            }
        }
        StreamHead head = streamHead(c, streamId);
        if (head.version() > 0 && !head.type().equals(streamType)) {
            throw new InvalidCommandException("streamType",
                    "stream " + streamId + " is a " + head.type() + " stream, not " + streamType);
        }
        if (!expected.matches(head.version())) {
            c.rollback();
            return firstAppendOrThrow(c, key, new ConcurrencyConflictException(streamId, expected, head.version()));
        }
        AppendResult result;
        try {
            result = insertEvents(c, streamId, streamType, head.version(), events);
        } catch (PSQLException e) {
            if (!isUniqueViolation(e, STREAM_VERSION_CONSTRAINT)) {
                throw e;
            }
            // Another writer committed the same version while this insert waited for it.
            c.rollback();
            long actual = streamHead(c, streamId).version();
            c.rollback();
            return firstAppendOrThrow(c, key, new ConcurrencyConflictException(streamId, expected, actual));
        }
        if (key != null && !insertKey(c, key, result)) {
            // A concurrent retry with the same key committed first: its answer is the answer, this one is undone.
            c.rollback();
            AppendResult first = findAppend(c, key).orElseThrow(() -> new IllegalStateException(
                    "Idempotency key " + key.value() + " conflicted but cannot be found"));
            c.rollback();
            return first;
        }
        c.commit();
        notifier.committed();
        log.debug("Appended {} event(s) to {} up to version {}", events.size(), streamId, result.newVersion());
        return result;
    }

    private AppendResult firstAppendOrThrow(Connection c, IdempotencyKey key, ConcurrencyConflictException conflict)
            throws SQLException {
        if (key != null) {
            Optional<AppendResult> first = findAppend(c, key);
            c.rollback();
            if (first.isPresent()) {
                return first.get();
            }
        }
        throw conflict;
    }

    private AppendResult insertEvents(Connection c, String streamId, String streamType, long currentVersion,
                                      List<EncodedEvent> events) throws SQLException {
        String sql = INSERT_EVENTS.formatted(String.join(", ", Collections.nCopies(events.size(), INSERT_EVENT_ROW)));
        List<LogPosition> written = new ArrayList<>(events.size());
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int p = 1;
            long version = currentVersion;
            for (EncodedEvent event : events) {
                ps.setString(p++, streamId);
                ps.setString(p++, streamType);
                ps.setLong(p++, ++version);
                ps.setString(p++, event.type());
                ps.setInt(p++, event.schemaVersion());
                ps.setString(p++, event.data());
                ps.setString(p++, event.metadata());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int index = (int) (rs.getLong("version") - currentVersion - 1);
                    while (written.size() <= index) {
                        written.add(null);
                    }
                    written.set(index, new LogPosition(rs.getLong("tx"), rs.getLong("position")));
                }
            }
        }
        // The log keeps each stream's order only if positions rise with versions inside one append.
        for (int i = 1; i < written.size(); i++) {
            if (written.get(i).compareTo(written.get(i - 1)) <= 0) {
                throw new IllegalStateException("Positions do not follow versions in an append to " + streamId);
            }
        }
        return new AppendResult(streamId, currentVersion + events.size(), written.get(written.size() - 1));
    }

    private boolean insertKey(Connection c, IdempotencyKey key, AppendResult result) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_KEY)) {
            ps.setString(1, key.value());
            ps.setString(2, result.streamId());
            ps.setLong(3, result.newVersion());
            ps.setLong(4, result.position().txId());
            ps.setLong(5, result.position().position());
            ps.setString(6, key.requestFingerprint());
            return ps.executeUpdate() == 1;
        }
    }

    @Override
    public Optional<AppendResult> findAppend(IdempotencyKey key) {
        Objects.requireNonNull(key, "key");
        try (Connection c = dataSource.getConnection()) {
            return findAppend(c, key);
        } catch (SQLException e) {
            throw new EventStoreException("Reading idempotency key failed: " + e.getMessage(), e);
        }
    }

    private Optional<AppendResult> findAppend(Connection c, IdempotencyKey key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND_KEY)) {
            ps.setString(1, key.value());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String fingerprint = rs.getString("request_fingerprint");
                if (fingerprint != null && key.requestFingerprint() != null
                        && !fingerprint.equals(key.requestFingerprint())) {
                    throw new IdempotencyKeyReusedException(key.value());
                }
                return Optional.of(new AppendResult(rs.getString("stream_id"), rs.getLong("version"),
                        new LogPosition(rs.getLong("tx_id"), rs.getLong("position"))));
            }
        }
    }

    private StreamHead streamHead(Connection c, String streamId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(STREAM_HEAD)) {
            ps.setString(1, streamId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new StreamHead(rs.getLong(1), rs.getString(2)) : new StreamHead(0, null);
            }
        }
    }

    private List<EncodedEvent> encode(List<NewEvent> events) {
        if (events == null || events.isEmpty()) {
            throw new InvalidCommandException("events", "must contain at least one event");
        }
        if (events.size() > MAX_EVENTS_PER_APPEND) {
            throw new InvalidCommandException("events", "must contain at most " + MAX_EVENTS_PER_APPEND + " events");
        }
        List<EncodedEvent> encoded = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            String field = "events[" + i + "]";
            NewEvent event = events.get(i);
            if (event == null) {
                throw new InvalidCommandException(field, "must not be null");
            }
            if (event.type() == null || !NAME.matcher(event.type()).matches()) {
                throw new InvalidCommandException(field + ".type", "must match " + STREAM_ID_PATTERN);
            }
            if (event.data() == null || !event.data().isObject()) {
                throw new InvalidCommandException(field + ".data", "must be a JSON object");
            }
            Optional<String> problem = event.fromRegisteredType() ? Optional.empty()
                    : registry.bindingProblem(event.type(), event.data());
            if (problem.isPresent()) {
                throw new InvalidCommandException(field + ".data", problem.get());
            }
            encoded.add(new EncodedEvent(event.type(), registry.currentSchemaVersion(event.type()),
                    mapper.writeValueAsString(event.data()), mapper.writeValueAsString(event.metadata().toJson())));
        }
        return encoded;
    }

    // ---------------------------------------------------------------- streams

    @Override
    public List<RecordedEvent> readStream(String streamId, long fromVersion) {
        return readStream(streamId, fromVersion, Long.MAX_VALUE);
    }

    @Override
    public List<RecordedEvent> readStream(String streamId, long fromVersion, long toVersion) {
        requireName("streamId", streamId);
        return query(READ_STREAM, ps -> {
            ps.setString(1, streamId);
            ps.setLong(2, fromVersion);
            ps.setLong(3, toVersion);
        });
    }

    @Override
    public List<RecordedEvent> readStreamUntil(String streamId, Instant asOf) {
        requireName("streamId", streamId);
        Objects.requireNonNull(asOf, "asOf");
        return query(READ_STREAM_UNTIL_INSTANT, ps -> {
            ps.setString(1, streamId);
            ps.setObject(2, OffsetDateTime.ofInstant(asOf, ZoneOffset.UTC));
        });
    }

    @Override
    public long streamVersion(String streamId) {
        requireName("streamId", streamId);
        try (Connection c = dataSource.getConnection()) {
            return streamHead(c, streamId).version();
        } catch (SQLException e) {
            throw new EventStoreException("Reading the version of " + streamId + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public long streamVersionAt(String streamId, Instant asOf) {
        requireName("streamId", streamId);
        Objects.requireNonNull(asOf, "asOf");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(STREAM_VERSION_AT)) {
            ps.setString(1, streamId);
            ps.setObject(2, OffsetDateTime.ofInstant(asOf, ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new EventStoreException("Reading the version of " + streamId + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<String> streamType(String streamId) {
        requireName("streamId", streamId);
        try (Connection c = dataSource.getConnection()) {
            return Optional.ofNullable(streamHead(c, streamId).type());
        } catch (SQLException e) {
            throw new EventStoreException("Reading the type of " + streamId + " failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- snapshots

    @Override
    public void saveSnapshot(String streamId, long version, String snapshotType, JsonNode state) {
        requireName("streamId", streamId);
        if (snapshotType == null || !SNAPSHOT_TYPE.matcher(snapshotType).matches()) {
            throw new IllegalArgumentException("Not a snapshot type: " + snapshotType);
        }
        if (version < 1) {
            throw new IllegalArgumentException("A snapshot follows an event: version " + version);
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(SAVE_SNAPSHOT)) {
            ps.setString(1, streamId);
            ps.setString(2, snapshotType);
            ps.setLong(3, version);
            ps.setString(4, mapper.writeValueAsString(Objects.requireNonNull(state, "state")));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new EventStoreException("Saving a snapshot of " + streamId + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Snapshot> loadLatestSnapshot(String streamId, String snapshotType) {
        return loadLatestSnapshot(streamId, snapshotType, Long.MAX_VALUE);
    }

    @Override
    public Optional<Snapshot> loadLatestSnapshot(String streamId, String snapshotType, long atOrBeforeVersion) {
        requireName("streamId", streamId);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(LATEST_SNAPSHOT)) {
            ps.setString(1, streamId);
            ps.setString(2, snapshotType);
            ps.setLong(3, atOrBeforeVersion);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Snapshot(rs.getString("stream_id"), rs.getString("snapshot_type"),
                        rs.getLong("version"), mapper.readTree(rs.getString("state")),
                        rs.getObject("created_at", OffsetDateTime.class).toInstant()));
            }
        } catch (SQLException e) {
            throw new EventStoreException("Loading a snapshot of " + streamId + " failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- the global log

    @Override
    public int maxReadAllLimit() {
        return MAX_READ_ALL_LIMIT;
    }

    @Override
    public List<RecordedEvent> readAll(LogPosition after, int limit) {
        Objects.requireNonNull(after, "after");
        if (limit < 1 || limit > MAX_READ_ALL_LIMIT) {
            throw new IllegalArgumentException("limit must be within 1.." + MAX_READ_ALL_LIMIT + ": " + limit);
        }
        return query(READ_ALL, ps -> {
            ps.setString(1, Long.toString(after.txId()));
            ps.setLong(2, after.position());
            ps.setInt(3, limit);
        });
    }

    @Override
    public Optional<LogHead> head() {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(HEAD);
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            return Optional.of(new LogHead(new LogPosition(rs.getLong("tx"), rs.getLong("position")),
                    rs.getObject("recorded_at", OffsetDateTime.class).toInstant()));
        } catch (SQLException e) {
            throw new EventStoreException("Reading the head of the log failed: " + e.getMessage(), e);
        }
    }

    @Override
    public long countAfter(LogPosition after) {
        Objects.requireNonNull(after, "after");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(COUNT_AFTER)) {
            ps.setString(1, Long.toString(after.txId()));
            ps.setLong(2, after.position());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new EventStoreException("Counting events failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<StreamVersion> streamVersions(Set<String> eventTypes, LogPosition upTo, String afterStream,
                                              int limit) {
        Objects.requireNonNull(upTo, "upTo");
        Objects.requireNonNull(afterStream, "afterStream");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(STREAM_VERSIONS_AFTER)) {
            ps.setString(1, afterStream);
            ps.setArray(2, c.createArrayOf("text", eventTypes.toArray(String[]::new)));
            ps.setString(3, Long.toString(upTo.txId()));
            ps.setLong(4, upTo.position());
            ps.setInt(5, limit);
            List<StreamVersion> page = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    page.add(new StreamVersion(rs.getString(1), rs.getLong(2)));
                }
            }
            return page;
        } catch (SQLException e) {
            throw new EventStoreException("Listing stream versions failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, Long> streamVersions(Collection<String> streamIds, Set<String> eventTypes) {
        if (streamIds.isEmpty()) {
            return Map.of();
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(STREAM_VERSIONS_OF)) {
            ps.setArray(1, c.createArrayOf("text", streamIds.toArray(String[]::new)));
            ps.setArray(2, c.createArrayOf("text", eventTypes.toArray(String[]::new)));
            Map<String, Long> versions = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.put(rs.getString(1), rs.getLong(2));
                }
            }
            return versions;
        } catch (SQLException e) {
            throw new EventStoreException("Reading stream versions failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- plumbing

    private List<RecordedEvent> query(String sql, Parameters parameters) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            parameters.set(ps);
            List<RecordedEvent> events = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(upcastOrAsStored(toEvent(rs)));
                }
            }
            return events;
        } catch (SQLException e) {
            throw new EventStoreException("Reading events failed: " + e.getMessage(), e);
        }
    }

    /**
     * The event at its type's current schema version; if its upcaster fails on it (a row written by hand or by a buggy
     * writer), the event as stored, at its stored schema version. One malformed old event must not make the log
     * unreadable: the subscriber's shared read of every lane would stop at it for good. Binding it
     * ({@link EventTypeRegistry#toObject}) upcasts again and fails on that event alone, so a projection lane
     * dead-letters it and goes on, and only its own stream cannot be loaded.
     */
    private RecordedEvent upcastOrAsStored(RecordedEvent stored) {
        try {
            return registry.upcast(stored);
        } catch (RuntimeException e) {
            log.warn("Event {}@{} ({} schema version {}, position {}) cannot be upcast ({}: {}); reading it as stored",
                    stored.streamId(), stored.version(), stored.type(), stored.schemaVersion(), stored.position(),
                    e.getClass().getSimpleName(), e.getMessage());
            return stored;
        }
    }

    private RecordedEvent toEvent(ResultSet rs) throws SQLException {
        return new RecordedEvent(rs.getLong("position"), rs.getLong("tx"), rs.getString("stream_id"),
                rs.getString("stream_type"), rs.getLong("version"), rs.getString("event_type"),
                rs.getInt("schema_version"), mapper.readTree(rs.getString("data")),
                metadata(rs.getString("metadata")), rs.getObject("recorded_at", OffsetDateTime.class).toInstant());
    }

    private EventMetadata metadata(String json) {
        JsonNode node = mapper.readTree(json);
        try {
            return EventMetadata.fromJson(node);
        } catch (InvalidCommandException e) {
            // Written by hand, not by this store: keep what is there rather than fail every reader.
            log.warn("Event metadata with a malformed field ({}); reading it as attributes only", e.field());
            Map<String, JsonNode> attributes = new LinkedHashMap<>();
            node.properties().forEach(p -> attributes.put("raw." + p.getKey(), p.getValue()));
            return new EventMetadata(null, null, null, attributes);
        }
    }

    private static void requireName(String field, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new InvalidCommandException(field, "must match " + STREAM_ID_PATTERN);
        }
    }

    private static boolean isUniqueViolation(PSQLException e, String constraint) {
        return UNIQUE_VIOLATION.equals(e.getSQLState()) && e.getServerErrorMessage() != null
                && constraint.equals(e.getServerErrorMessage().getConstraint());
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            log.warn("Rollback failed: {}", e.getMessage());
        }
    }

    @FunctionalInterface
    private interface Parameters {
        void set(PreparedStatement ps) throws SQLException;
    }

    private record StreamHead(long version, String type) {
    }

    private record EncodedEvent(String type, int schemaVersion, String data, String metadata) {
    }
}
