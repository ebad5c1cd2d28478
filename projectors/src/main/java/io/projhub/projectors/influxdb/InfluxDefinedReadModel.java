package io.projhub.projectors.influxdb;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.domain.InfluxQLQuery;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.exceptions.InfluxException;
import com.influxdb.query.InfluxQLQueryResult;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.Projector;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.definitions.Timestamps;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.FieldType;
import io.projhub.definitions.ReadModelDefinition;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.definitions.StoreKind;
import io.projhub.definitions.changes.Change;
import io.projhub.definitions.changes.PointChange;
import io.projhub.definitions.DefinedReadModel;

/**
 * A read model of a definition file in InfluxDB: each {@link PointChange} of an event is one point. Writes go through
 * the 2.x write API ({@code WriteApiBlocking}, nanosecond precision), reads are InfluxQL (never Flux).
 *
 * <p><b>Layout</b> (in the one bucket given, which may be {@code database/retention-policy}):
 * <ul>
 *   <li>points in {@code <namespace><measurement>_v<version>}; the point's tags are the change's tags (sorted, blank
 *       values left out), its fields the change's fields typed by the declared {@link FieldSpec}: {@code long} an
 *       integer field, {@code double} a float, {@code decimal} an <em>integer</em> field of minor units
 *       ({@code value × 10^scale}, exact), {@code boolean}, {@code keyword}/{@code text} a string, {@code timestamp}
 *       an ISO-8601 string. The time is the change's time (the event's {@code recordedAt} if none) truncated to the
 *       millisecond plus {@code position mod 10^6} nanoseconds, so two events of one series in the same millisecond
 *       never overwrite each other and a replay overwrites each point with itself;</li>
 *   <li>per-stream version records in PostgreSQL, the event store's database ({@link PostgresStreamVersions}:
 *       {@code <schema>.<measurement>_versions}), where no retention drops them; not in InfluxDB, where a tag per
 *       stream would be a series per stream (kept in memory, slow to drop);</li>
 *   <li>the checkpoint in {@code projhub_checkpoint} (the measurement the order projector uses), tag
 *       {@code projector = <namespace><measurement>_v<version>}, fields {@code tx_id}, {@code position},
 *       {@code hash} (the program's hash) and {@code read_model} (the definition's name), one point at
 *       {@link #RECORDS_TIMESTAMP} that every checkpoint write overwrites.</li>
 * </ul>
 *
 * <p><b>Apply.</b> InfluxDB has no transactions, so a batch is three deterministic overwrites in order, each sent only
 * once the previous one is accepted: the points, then the version records, then the checkpoint. A crash in between
 * leaves points whose events the version records or the checkpoint do not cover yet; the replay writes the same
 * points again (same series, same time, same values). One PostgreSQL query per batch reads the recorded versions
 * of the batch's streams, one statement raises them. Points older than the bucket's retention are refused by InfluxDB ("points beyond retention
 * policy dropped=N") while the others are written: a success with those points absent, counted in
 * {@link #pointsDroppedByRetention()}.
 *
 * <p><b>Supported changes:</b> {@link PointChange} only; any other kind is a {@link ChangeFailure} (InfluxDB
 * definitions have no documents, deletes or increments), and so is a point naming an undeclared field or tag, a
 * value of the wrong Java type, a decimal with more digits than its scale, or a set, list or object field.
 *
 * <p><b>Tags.</b> The contract declares fields only; a tag is a declared {@code keyword} field that the program
 * puts into {@link PointChange#tags()}. {@link #document} and {@link #series} accept as tag names the declared
 * keyword fields.
 */
public final class InfluxDefinedReadModel implements DefinedReadModel {

    /**
     * 2200-01-01T00:00:00Z in nanoseconds: the time of the checkpoint and the base of the version records. Any time
     * in the past is eventually older than a finite retention; this one is not (the order projector's value).
     */
    public static final long RECORDS_TIMESTAMP = 7_258_118_400_000_000_000L;

    /** Digits a decimal mean has beyond its field's scale. */
    public static final int MEAN_EXTRA_SCALE = 6;

    /** Lines per write request. */
    static final int LINES_PER_WRITE = 5_000;


    /** Time buckets a {@link #series} query may ask for. */
    static final long MAX_BUCKETS = 10_000;

    private static final Logger log = LoggerFactory.getLogger(InfluxDefinedReadModel.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
    private static final Pattern STREAM_ID = Pattern.compile(EventStore.STREAM_ID_PATTERN);
    private static final Pattern BEYOND_RETENTION = Pattern.compile("points beyond retention policy dropped=(\\d+)");
    private static final Set<String> FUNCTIONS = Set.of("mean", "sum", "count", "min", "max");
    private static final long NANOS_PER_MILLI = 1_000_000;

    private final InfluxDBClient client;
    private final String org;
    private final String bucket;
    private final ReadModelProgram program;
    private final ReadModelDefinition definition;
    private final String measurement;
    private final int generation;
    private final PostgresStreamVersions versions;
    private final String checkpointKey;
    private final Projector projector = new DefinedProjector();
    private final ReadModelProbe probe = new DefinedProbe();
    private final AtomicLong droppedByRetention = new AtomicLong();

    /**
     * @param bucket     the bucket (on InfluxDB 1.x: the database, or {@code database/retention-policy})
     * @param namespace  prefix of the measurements and of the checkpoint's {@code projector} tag ("" for the hub)
     * @param dataSource the event store's database, which keeps the per-stream version records
     * @param schema     the read models' schema there
     * @throws IllegalArgumentException if the definition is not an InfluxDB one or a name in it is not
     *                                  {@code [A-Za-z][A-Za-z0-9_]*} (or is {@code time})
     */
    public InfluxDefinedReadModel(InfluxDBClient client, String org, String bucket, String namespace,
                                  ReadModelProgram program, javax.sql.DataSource dataSource, String schema) {
        this(client, org, bucket, namespace, program, dataSource, schema, 0);
    }

    /** @param generation which build of the version (0: the first; a rebuild's measurement ends {@code _v<version>r<n>}) */
    public InfluxDefinedReadModel(InfluxDBClient client, String org, String bucket, String namespace,
                                  ReadModelProgram program, javax.sql.DataSource dataSource, String schema,
                                  int generation) {
        this.client = java.util.Objects.requireNonNull(client, "client");
        this.org = java.util.Objects.requireNonNull(org, "org");
        this.bucket = java.util.Objects.requireNonNull(bucket, "bucket");
        this.program = java.util.Objects.requireNonNull(program, "program");
        InfluxNames.requireNamespace(namespace);
        this.definition = program.definition();
        definition.requireStore(StoreKind.INFLUXDB);
        if (definition.version() < 1) {
            throw new IllegalArgumentException("read model " + definition.name() + ": version must be at least 1, was "
                    + definition.version());
        }
        String target = definition.target().measurement();
        validName("measurement", target);
        definition.fields().forEach((name, spec) -> {
            validName("field", name);
            if (!name.equals(spec.name())) {
                throw new IllegalArgumentException("field " + name + " is declared as " + spec.name());
            }
        });
        this.generation = generation;
        this.measurement = namespace + target + "_v" + definition.versionTag(generation);
        this.versions = new PostgresStreamVersions(dataSource, schema, measurement);
        this.checkpointKey = measurement;
    }

    private void validName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches() || name.equalsIgnoreCase("time")) {
            throw new IllegalArgumentException("read model " + definition.name() + ": " + what + " name '" + name
                    + "' must match [A-Za-z][A-Za-z0-9_]* and not be 'time'");
        }
    }

    @Override
    public ReadModelProgram program() {
        return program;
    }

    @Override
    public int generation() {
        return generation;
    }

    @Override
    public Projector projector() {
        return projector;
    }

    @Override
    public ReadModelProbe probe() {
        return probe;
    }

    /** The measurement of the points ({@code <namespace><measurement>_v<version>}). */
    public String measurement() {
        return measurement;
    }

    /** The PostgreSQL table of the per-stream version records (schema-qualified, quoted). */
    public String versionsTable() {
        return versions.table();
    }

    /** The bucket its points are written to (on InfluxDB 1.x the database, or {@code database/retention-policy}). */
    public String bucket() {
        return bucket;
    }

    /** How many points InfluxDB has dropped, since this instance was made, as older than the retention. */
    public long pointsDroppedByRetention() {
        return droppedByRetention.get();
    }

    @Override
    public Optional<String> storedHash() {
        return readCheckpoint().map(Checkpoint::hash);
    }

    /** Drops the points, the version records and the checkpoint of this read model (this version) only. */
    @Override
    public void drop() throws java.sql.SQLException {
        query("""
                DROP MEASUREMENT %s; DROP SERIES FROM %s WHERE "projector" = %s"""
                .formatted(InfluxNames.identifier(measurement),
                        InfluxNames.identifier(InfluxNames.CHECKPOINT_MEASUREMENT), InfluxNames.literal(checkpointKey)));
        versions.drop();
    }

    // Writing ------------------------------------------------------------------------------------------------

    private final class DefinedProjector implements Projector {

        @Override
        public String name() {
            return definition.name();
        }

        @Override
        public Set<String> eventTypes() {
            return program.eventTypes();
        }

        @Override
        public LogPosition checkpoint() {
            return readCheckpoint().map(Checkpoint::position).orElse(LogPosition.START);
        }

        @Override
        public void apply(EventBatch batch) throws ChangeFailure, java.sql.SQLException {
            applyBatch(batch);
        }

        @Override
        public void reset() throws java.sql.SQLException {
            drop();
        }

        /** Forgets the stream's version record, then writes its points again: each overwrites itself. */
        @Override
        public void rewrite(String streamId, EventBatch batch) throws ChangeFailure, java.sql.SQLException {
            versions.forget(validStream(streamId));
            applyBatch(batch);
        }

        @Override
        public void recordSkipped(String streamId, long version) throws java.sql.SQLException {
            validStream(streamId);
            if (version < 1) {
                throw new IllegalArgumentException("version must be at least 1, was " + version);
            }
            versions.raise(Map.of(streamId, version));
        }

        @Override
        public void overwriteCheckpoint(LogPosition checkpoint) {
            writeCheckpoint(checkpoint);
        }

        /**
         * Transient: the server unreachable, overloaded or failing (no status, 408, 429, 5xx), or refusing us as a
         * whole (401, 403, 404: credentials, a missing database). Permanent: the data (400: a bad line, a field type
         * conflict; 413: too large, so the lane splits the batch; 422), and a {@link ChangeFailure}.
         */
        @Override
        public FailureKind classify(Throwable failure) {
            for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof ChangeFailure) {
                    return FailureKind.PERMANENT;
                }
                if (t instanceof InfluxException influx && influx.status() > 0) {
                    int status = influx.status();
                    return status == 400 || status == 413 || status == 422 ? FailureKind.PERMANENT
                            : FailureKind.TRANSIENT;
                }
            }
            return Projector.super.classify(failure);
        }
    }

    private void applyBatch(EventBatch batch) throws ChangeFailure, java.sql.SQLException {
        if (!batch.isEmpty()) {
            Set<String> streams = new LinkedHashSet<>();
            for (RecordedEvent event : batch.events()) {
                streams.add(validStream(event.streamId()));
            }
            Map<String, Long> recorded = new HashMap<>(versions.read(streams));
            Map<String, Long> applied = new LinkedHashMap<>();
            List<String> lines = new ArrayList<>(batch.events().size());
            for (RecordedEvent event : batch.events()) {
                if (event.version() <= recorded.getOrDefault(event.streamId(), 0L)) {
                    continue;
                }
                for (Change change : program.changes(event)) {
                    lines.add(pointLine(change, event));
                }
                recorded.put(event.streamId(), event.version());
                applied.put(event.streamId(), event.version());
            }
            writeTolerantOfRetention(lines, batch);
            versions.raise(applied);
        }
        if (!batch.redelivery()) {
            writeCheckpoint(batch.checkpoint());
        }
    }

    private void writeCheckpoint(LogPosition checkpoint) {
        write(List.of(InfluxNames.lineMeasurement(InfluxNames.CHECKPOINT_MEASUREMENT)
                + ",projector=" + InfluxNames.tagValue(checkpointKey)
                + " tx_id=" + checkpoint.txId() + "i,position=" + checkpoint.position() + "i,hash="
                + InfluxNames.stringField(program.hash()) + ",read_model=" + InfluxNames.stringField(definition.name())
                + " " + RECORDS_TIMESTAMP));
    }

    /** One point of {@code event}: measurement, sorted tags, typed fields, the hub's timestamp. */
    private String pointLine(Change change, RecordedEvent event) throws ChangeFailure {
        if (!(change instanceof PointChange point)) {
            throw failure(event, "InfluxDB read models support point changes only, not "
                    + change.getClass().getSimpleName());
        }
        StringBuilder line = new StringBuilder(160).append(InfluxNames.lineMeasurement(measurement));
        for (Map.Entry<String, String> tag : new TreeMap<>(point.tags()).entrySet()) {
            FieldSpec spec = definition.field(tag.getKey());
            if (spec == null || spec.type() != FieldType.KEYWORD) {
                throw failure(event, "tag '" + tag.getKey() + "' is not a declared keyword field");
            }
            String value = tag.getValue();
            // An empty tag value cannot be written: such a tag is left out (and groups under "" in queries).
            if (value != null && !value.isBlank()) {
                line.append(',').append(tag.getKey()).append('=').append(InfluxNames.tagValue(value));
            }
        }
        StringJoiner fields = new StringJoiner(",", " ", " ");
        for (Map.Entry<String, Object> field : new TreeMap<>(point.fields()).entrySet()) {
            if (point.tags().containsKey(field.getKey())) {
                throw failure(event, "'" + field.getKey() + "' is both a tag and a field of one point");
            }
            FieldSpec spec = definition.field(field.getKey());
            if (spec == null) {
                throw failure(event, "field '" + field.getKey() + "' is not declared");
            }
            if (field.getValue() != null) {
                fields.add(field.getKey() + "=" + fieldValue(spec, field.getValue(), event));
            }
        }
        if (fields.length() <= 2) {
            throw failure(event, "a point needs at least one field with a value");
        }
        return line.append(fields).append(timestamp(event, point.time())).toString();
    }

    private String fieldValue(FieldSpec spec, Object value, RecordedEvent event) throws ChangeFailure {
        try {
            return switch (spec.type()) {
                case LONG -> {
                    if (!(value instanceof Long || value instanceof Integer || value instanceof Short
                            || value instanceof Byte)) {
                        throw wrongType(spec, value);
                    }
                    yield ((Number) value).longValue() + "i";
                }
                case DOUBLE -> {
                    if (!(value instanceof Number number) || value instanceof BigDecimal) {
                        throw wrongType(spec, value);
                    }
                    double d = number.doubleValue();
                    if (!Double.isFinite(d)) {
                        throw new IllegalArgumentException("field " + spec.name() + " is not finite: " + d);
                    }
                    // Shortest decimal form of the double; a float field (no "i").
                    yield BigDecimal.valueOf(d).toPlainString();
                }
                case DECIMAL -> {
                    BigDecimal decimal = value instanceof BigDecimal b ? b
                            : value instanceof Long || value instanceof Integer ? BigDecimal.valueOf(((Number) value).longValue())
                            : null;
                    if (decimal == null) {
                        throw wrongType(spec, value);
                    }
                    BigInteger minor = decimal.setScale(spec.scale(), RoundingMode.UNNECESSARY).unscaledValue();
                    yield minor.longValueExact() + "i";
                }
                case BOOLEAN -> {
                    if (!(value instanceof Boolean b)) {
                        throw wrongType(spec, value);
                    }
                    yield b.toString();
                }
                case KEYWORD, TEXT -> {
                    if (!(value instanceof String s)) {
                        throw wrongType(spec, value);
                    }
                    yield InfluxNames.stringField(s);
                }
                case TIMESTAMP -> {
                    Instant instant = value instanceof Instant i ? i
                            : value instanceof String s ? Timestamps.parseInstant(s) : null;
                    if (instant == null) {
                        throw wrongType(spec, value);
                    }
                    yield InfluxNames.stringField(instant.toString());
                }
                case SET, LIST, OBJECT -> throw new IllegalArgumentException(
                        "field " + spec.name() + " is a " + spec.type().id() + ", which InfluxDB cannot hold");
            };
        } catch (ArithmeticException e) {
            throw failure(event, "field " + spec.name() + ": " + value + " does not fit a decimal of scale "
                    + spec.scale() + " in 64-bit minor units", e);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw failure(event, e.getMessage(), e);
        }
    }

    private static IllegalArgumentException wrongType(FieldSpec spec, Object value) {
        return new IllegalArgumentException("field " + spec.name() + " is a " + spec.type().id() + ", got a "
                + value.getClass().getSimpleName());
    }

    private ChangeFailure failure(RecordedEvent event, String message) {
        return failure(event, message, null);
    }

    private ChangeFailure failure(RecordedEvent event, String message, Throwable cause) {
        String text = definition.source() + " (" + definition.name() + "), event " + event.type() + " "
                + event.streamId() + "@" + event.version() + ": " + message;
        return cause == null ? new ChangeFailure(text) : new ChangeFailure(text, cause);
    }

    /** The point's timestamp: the time in whole milliseconds plus {@code position mod 10^6} nanoseconds. */
    static long timestamp(RecordedEvent event, Instant time) {
        long millis = (time != null ? time : event.recordedAt()).toEpochMilli();
        return Math.addExact(Math.multiplyExact(millis, NANOS_PER_MILLI), event.position() % NANOS_PER_MILLI);
    }

    /** Writes lines in requests of {@link #LINES_PER_WRITE}. */
    private void write(List<String> lines) {
        for (int i = 0; i < lines.size(); i += LINES_PER_WRITE) {
            client.getWriteApiBlocking().writeRecords(bucket, org, WritePrecision.NS,
                    lines.subList(i, Math.min(i + LINES_PER_WRITE, lines.size())));
        }
    }

    /**
     * Writes the points. Points older than the bucket's retention are dropped by InfluxDB, which writes the others
     * and then says so: a success, those points absent.
     */
    private void writeTolerantOfRetention(List<String> lines, EventBatch batch) {
        for (int i = 0; i < lines.size(); i += LINES_PER_WRITE) {
            List<String> part = lines.subList(i, Math.min(i + LINES_PER_WRITE, lines.size()));
            try {
                client.getWriteApiBlocking().writeRecords(bucket, org, WritePrecision.NS, part);
            } catch (InfluxException e) {
                Matcher m = BEYOND_RETENTION.matcher(String.valueOf(e.getMessage()));
                if (!m.find()) {
                    throw e;
                }
                long dropped = Long.parseLong(m.group(1));
                droppedByRetention.addAndGet(dropped);
                log.info("read_model={} event=points-beyond-retention dropped={} points={} bucket={} checkpoint={}",
                        definition.name(), dropped, part.size(), bucket, batch.checkpoint().token());
            }
        }
    }

    private static String validStream(String streamId) {
        if (streamId == null || !STREAM_ID.matcher(streamId).matches()) {
            throw new IllegalArgumentException("streamId must match " + EventStore.STREAM_ID_PATTERN);
        }
        return streamId;
    }

    // Reading ------------------------------------------------------------------------------------------------

    private record Checkpoint(LogPosition position, String hash) {
    }

    private Optional<Checkpoint> readCheckpoint() {
        String sql = """
                SELECT last("tx_id") AS "tx_id", last("position") AS "position", last("hash") AS "hash" FROM %s \
                WHERE "projector" = %s AND time = %d""".formatted(
                InfluxNames.identifier(InfluxNames.CHECKPOINT_MEASUREMENT), InfluxNames.literal(checkpointKey),
                RECORDS_TIMESTAMP);
        for (InfluxQLQueryResult.Series series : InfluxQL.series(query(sql))) {
            for (InfluxQLQueryResult.Series.Record row : series.getValues()) {
                return Optional.of(new Checkpoint(
                        new LogPosition(InfluxQL.longValue(row, "tx_id"), InfluxQL.longValue(row, "position")),
                        InfluxQL.text(row, "hash")));
            }
        }
        return Optional.empty();
    }

    private final class DefinedProbe implements ReadModelProbe {

        @Override
        public String name() {
            return definition.name();
        }

        @Override
        public LogPosition checkpoint() {
            return readCheckpoint().map(Checkpoint::position).orElse(LogPosition.START);
        }

        @Override
        public long appliedVersion(String streamId) throws java.sql.SQLException {
            return versions.read(Set.of(validStream(streamId))).getOrDefault(streamId, 0L);
        }

        @Override
        public Map<String, Long> appliedVersions(java.util.Collection<String> streamIds)
                throws java.sql.SQLException {
            Map<String, Long> recorded = versions.read(streamIds);
            Map<String, Long> answer = new java.util.LinkedHashMap<>();
            for (String streamId : streamIds) {
                answer.put(streamId, recorded.getOrDefault(streamId, 0L));
            }
            return answer;
        }

        @Override
        public io.projhub.core.projection.RecordedStreams recordedStreams(String cursor, int limit)
                throws java.sql.SQLException {
            Map<String, Long> page = versions.page(cursor == null ? "" : cursor, limit);
            String last = null;
            for (String stream : page.keySet()) {
                last = stream;
            }
            return new io.projhub.core.projection.RecordedStreams(page, page.size() < limit ? null : last);
        }
    }

    /**
     * The latest point of the series whose tags are exactly {@code key} ({@code tag=value,tag=value}; a backslash
     * escapes a comma, an equals sign or a backslash in a value): {@code time} (ISO-8601, the millisecond the
     * definition gave), its tags, and its fields typed per the definition. One request of one statement per declared
     * non-tag field (the client cannot read the nulls a sparse {@code SELECT *} returns). {@code depth} is ignored.
     *
     * @throws IllegalArgumentException if a tag of the key is not a declared keyword field
     */
    @Override
    public Optional<Map<String, Object>> document(String key, int depth) {
        Map<String, String> tags = parseSeriesKey(key);
        StringJoiner where = new StringJoiner(" AND ", " WHERE ", "");
        where.setEmptyValue("");
        tags.forEach((tag, value) -> where.add(InfluxNames.identifier(tag) + " = " + literalTagValue(value)));
        List<String> fields = new ArrayList<>();
        definition.fields().keySet().stream().filter(f -> !tags.containsKey(f)).forEach(fields::add);
        if (fields.isEmpty()) {
            return Optional.empty();
        }
        List<String> statements = new ArrayList<>();
        for (String field : fields) {
            statements.add("SELECT %s FROM %s%s GROUP BY * ORDER BY time DESC LIMIT 1".formatted(
                    InfluxNames.identifier(field), InfluxNames.identifier(measurement), where));
        }
        InfluxQLQueryResult result = client.getInfluxQLQueryApi().queryJSON(
                InfluxQL.query(String.join(";\n", statements), bucket)
                        .setPrecision(InfluxQLQuery.InfluxQLPrecision.NANOSECONDS));
        long latest = Long.MIN_VALUE;
        Map<String, Long> times = new HashMap<>();
        Map<String, String> values = new HashMap<>();
        for (int index = 0; index < fields.size(); index++) {
            String field = fields.get(index);
            for (InfluxQLQueryResult.Series series : InfluxQL.series(result, index)) {
                if (!nonEmpty(series.getTags()).equals(tags)) {
                    continue; // another series with more tags
                }
                for (InfluxQLQueryResult.Series.Record row : series.getValues()) {
                    String value = InfluxQL.text(row, field);
                    if (value != null) {
                        long time = InfluxQL.longValue(row, "time");
                        times.put(field, time);
                        values.put(field, value);
                        latest = Math.max(latest, time);
                    }
                }
            }
        }
        if (times.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("time", Instant.EPOCH.plusNanos(latest).truncatedTo(java.time.temporal.ChronoUnit.MILLIS)
                .toString());
        document.putAll(new TreeMap<>(tags));
        for (String field : fields) {
            if (times.containsKey(field) && times.get(field) == latest) {
                document.put(field, typed(definition.field(field), values.get(field)));
            }
        }
        return Optional.of(document);
    }

    private Map<String, String> parseSeriesKey(String key) {
        Map<String, String> tags = new TreeMap<>();
        if (key == null || key.isEmpty()) {
            return tags;
        }
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\\' && i + 1 < key.length()) {
                current.append(c).append(key.charAt(++i));
            } else if (c == ',') {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        for (String part : parts) {
            int eq = -1;
            for (int i = 0; i < part.length(); i++) {
                if (part.charAt(i) == '\\') {
                    i++;
                } else if (part.charAt(i) == '=') {
                    eq = i;
                    break;
                }
            }
            if (eq < 1) {
                throw new IllegalArgumentException("series key must look like tag=value,tag=value");
            }
            String tag = part.substring(0, eq);
            declaredTag(tag);
            String value = part.substring(eq + 1).replaceAll("\\\\(.)", "$1");
            if (tags.put(tag, value) != null) {
                throw new IllegalArgumentException("series key names tag " + tag + " twice");
            }
        }
        return tags;
    }

    private void declaredTag(String tag) {
        FieldSpec spec = tag == null ? null : definition.field(tag);
        if (spec == null || spec.type() != FieldType.KEYWORD) {
            throw new IllegalArgumentException("'" + tag + "' is not a declared tag (keyword field) of read model "
                    + definition.name());
        }
    }

    /**
     * The drift audit's read of one point as this read model wrote it for {@code event} (same series, same timestamp,
     * see {@link #timestamp}): its declared fields as {@link #document} gives them, empty if InfluxDB holds no such point.
     */
    public Optional<Map<String, Object>> storedPoint(RecordedEvent event, PointChange point) {
        Map<String, String> tags = nonEmpty(point.tags());
        StringJoiner where = new StringJoiner(" AND ", " WHERE ", "");
        where.add("time = " + timestamp(event, point.time()));
        tags.forEach((tag, value) -> where.add(InfluxNames.identifier(tag) + " = " + literalTagValue(value)));
        // One statement per field: a row with a field it lacks would hold a JSON null, which the client cannot read.
        List<String> fields = definition.fields().keySet().stream().filter(f -> !tags.containsKey(f)).toList();
        if (fields.isEmpty()) {
            return Optional.empty();
        }
        List<String> statements = new ArrayList<>();
        for (String field : fields) {
            statements.add("SELECT " + InfluxNames.identifier(field) + " FROM " + InfluxNames.identifier(measurement)
                    + where + " GROUP BY *");
        }
        InfluxQLQueryResult result = client.getInfluxQLQueryApi().queryJSON(InfluxQL.query(
                String.join(";\n", statements), bucket).setPrecision(InfluxQLQuery.InfluxQLPrecision.NANOSECONDS));
        Map<String, Object> found = new LinkedHashMap<>();
        boolean any = false;
        for (int index = 0; index < fields.size(); index++) {
            for (InfluxQLQueryResult.Series series : InfluxQL.series(result, index)) {
                if (!nonEmpty(series.getTags()).equals(tags)) {
                    continue; // the same time in a series with more tags
                }
                for (InfluxQLQueryResult.Series.Record row : series.getValues()) {
                    String value = InfluxQL.text(row, fields.get(index));
                    if (value != null) {
                        found.put(fields.get(index), typed(definition.field(fields.get(index)), value));
                        any = true;
                    }
                }
            }
        }
        return any ? Optional.of(found) : Optional.empty();
    }

    /**
     * How long the bucket's retention policy keeps points ({@code SHOW RETENTION POLICIES}); empty for ever, or if
     * InfluxDB does not say. A point older than that is expected to be gone.
     */
    public Optional<java.time.Duration> retention() {
        String database = bucket.contains("/") ? bucket.substring(0, bucket.indexOf('/')) : bucket;
        String policy = bucket.contains("/") ? bucket.substring(bucket.indexOf('/') + 1) : null;
        InfluxQLQueryResult result;
        try {
            result = client.getInfluxQLQueryApi().queryJSON(InfluxQL.query("SHOW RETENTION POLICIES ON "
                    + InfluxNames.identifier(database), bucket));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        for (InfluxQLQueryResult.Series series : InfluxQL.series(result, 0)) {
            for (InfluxQLQueryResult.Series.Record row : series.getValues()) {
                boolean chosen = policy == null ? "true".equals(InfluxQL.text(row, "default"))
                        : policy.equals(InfluxQL.text(row, "name"));
                if (chosen) {
                    return goDuration(InfluxQL.text(row, "duration"));
                }
            }
        }
        return Optional.empty();
    }

    /** InfluxDB's {@code 168h0m0s}; {@code 0s} is for ever. */
    static Optional<java.time.Duration> goDuration(String text) {
        if (text == null) {
            return Optional.empty();
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?")
                .matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        java.time.Duration d = java.time.Duration.ofHours(m.group(1) == null ? 0 : Long.parseLong(m.group(1)))
                .plusMinutes(m.group(2) == null ? 0 : Long.parseLong(m.group(2)))
                .plusSeconds(m.group(3) == null ? 0 : Long.parseLong(m.group(3)));
        return d.isZero() ? Optional.empty() : Optional.of(d);
    }

    /** A tag value as an InfluxQL literal, normalised as it was written ({@link InfluxNames#tagValue}). */
    private static String literalTagValue(String value) {
        return InfluxNames.literal(value.replaceAll("[\\r\\n\\t]", " "));
    }

    private static Map<String, String> nonEmpty(Map<String, String> tags) {
        Map<String, String> result = new TreeMap<>();
        if (tags != null) {
            tags.forEach((k, v) -> {
                if (v != null && !v.isEmpty()) {
                    result.put(k, v);
                }
            });
        }
        return result;
    }

    private static Object typed(FieldSpec spec, String text) {
        return switch (spec.type()) {
            case LONG -> new BigDecimal(text).longValueExact();
            case DOUBLE -> Double.valueOf(text);
            case DECIMAL -> BigDecimal.valueOf(new BigDecimal(text).longValueExact(), spec.scale());
            case BOOLEAN -> Boolean.valueOf(text);
            default -> text;
        };
    }

    // The store-specific query --------------------------------------------------------------------------------

    /**
     * {@code fn(field)} over a time range, optionally in time buckets and grouped by a tag: one InfluxQL statement.
     * Names are checked against the definition and quoted; tag values of {@code where} are escaped literals.
     *
     * @throws IllegalArgumentException naming the bad parameter: a field that is not a declared numeric field, an
     *                                  unknown function, a tag that is not declared, a missing or empty range, a
     *                                  bucket of less than 1 ms or more than {@value #MAX_BUCKETS} buckets
     */
    public SeriesResult series(SeriesQuery q) {
        FieldSpec spec = q.field() == null ? null : definition.field(q.field());
        if (spec == null || !spec.type().numeric()) {
            throw new IllegalArgumentException("field '" + q.field() + "' is not a declared numeric field of read model "
                    + definition.name());
        }
        String fn = q.fn() == null ? null : q.fn().toLowerCase(java.util.Locale.ROOT);
        if (fn == null || !FUNCTIONS.contains(fn)) {
            throw new IllegalArgumentException("fn '" + q.fn() + "' must be one of mean, sum, count, min, max");
        }
        String time;
        Duration span;
        if (q.range() != null) {
            if (q.from() != null || q.to() != null) {
                throw new IllegalArgumentException("range: give either range or from/to, not both");
            }
            if (q.range().isNegative() || q.range().toMillis() < 1) {
                throw new IllegalArgumentException("range must be at least 1ms, was " + q.range());
            }
            span = q.range();
            time = "time > now() - " + q.range().toMillis() + "ms AND time <= now()";
        } else {
            if (q.from() == null || q.to() == null || !q.from().isBefore(q.to())) {
                throw new IllegalArgumentException("range: give a range, or from before to");
            }
            span = Duration.between(q.from(), q.to());
            time = "time >= " + nanos(q.from()) + " AND time < " + nanos(q.to());
        }
        StringJoiner groupBy = new StringJoiner(", ", " GROUP BY ", "");
        groupBy.setEmptyValue("");
        if (q.every() != null) {
            if (q.every().isNegative() || q.every().toMillis() < 1) {
                throw new IllegalArgumentException("every must be at least 1ms, was " + q.every());
            }
            if (span.toMillis() / q.every().toMillis() > MAX_BUCKETS) {
                throw new IllegalArgumentException("every: at most " + MAX_BUCKETS + " buckets, " + q.every()
                        + " over " + span + " would be more");
            }
            groupBy.add("time(" + q.every().toMillis() + "ms)");
        }
        if (q.groupBy() != null) {
            declaredTag(q.groupBy());
            groupBy.add(InfluxNames.identifier(q.groupBy()));
        }
        StringBuilder where = new StringBuilder(time);
        for (Map.Entry<String, String> condition : new TreeMap<>(q.where()).entrySet()) {
            declaredTag(condition.getKey());
            where.append(" AND ").append(InfluxNames.identifier(condition.getKey())).append(" = ")
                    .append(literalTagValue(condition.getValue()));
        }
        String field = InfluxNames.identifier(q.field());
        boolean decimalMean = fn.equals("mean") && spec.type() == FieldType.DECIMAL;
        String select = decimalMean ? "sum(" + field + ") AS \"sum\", count(" + field + ") AS \"count\""
                : fn + "(" + field + ") AS \"value\"";
        String sql = "SELECT " + select + " FROM " + InfluxNames.identifier(measurement) + " WHERE " + where + groupBy
                + (q.every() != null ? " fill(none)" : "");
        InfluxQLQueryResult result = client.getInfluxQLQueryApi().queryJSON(
                InfluxQL.query(sql, bucket).setPrecision(InfluxQLQuery.InfluxQLPrecision.NANOSECONDS));
        List<SeriesResult.Bucket> buckets = new ArrayList<>();
        for (InfluxQLQueryResult.Series series : InfluxQL.series(result)) {
            String group = q.groupBy() == null || series.getTags() == null ? ""
                    : series.getTags().getOrDefault(q.groupBy(), "");
            for (InfluxQLQueryResult.Series.Record row : series.getValues()) {
                Instant at = Instant.EPOCH.plusNanos(InfluxQL.longValue(row, "time"));
                Number value;
                if (decimalMean) {
                    long count = InfluxQL.longValue(row, "count");
                    value = BigDecimal.valueOf(InfluxQL.longValue(row, "sum"), spec.scale())
                            .divide(BigDecimal.valueOf(count), spec.scale() + MEAN_EXTRA_SCALE, RoundingMode.HALF_EVEN);
                } else {
                    value = aggregate(spec, fn, InfluxQL.text(row, "value"));
                }
                buckets.add(new SeriesResult.Bucket(at, group, value));
            }
        }
        buckets.sort(Comparator.comparing(SeriesResult.Bucket::group).thenComparing(SeriesResult.Bucket::time));
        return new SeriesResult(q.field(), fn, buckets);
    }

    private static Number aggregate(FieldSpec spec, String fn, String text) {
        if (fn.equals("count")) {
            return new BigDecimal(text).longValueExact();
        }
        if (fn.equals("mean") || spec.type() == FieldType.DOUBLE) {
            return Double.valueOf(text);
        }
        long integer = new BigDecimal(text).longValueExact();
        return spec.type() == FieldType.DECIMAL ? BigDecimal.valueOf(integer, spec.scale()) : integer;
    }

    private static long nanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }

    private InfluxQLQueryResult query(String sql) {
        return client.getInfluxQLQueryApi().queryJSON(InfluxQL.query(sql, bucket));
    }
}
