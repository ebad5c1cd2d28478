package io.projhub.projectors.redis;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.PartKeys;
import io.projhub.core.projection.Projector;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.FieldType;
import io.projhub.definitions.ReadModelDefinition;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.definitions.audit.Rewrites;
import io.projhub.definitions.audit.StreamFold;
import io.projhub.definitions.StoreKind;
import io.projhub.definitions.changes.Change;
import io.projhub.definitions.changes.CounterChange;
import io.projhub.definitions.changes.DeleteDocument;
import io.projhub.definitions.changes.DocumentChange;
import io.projhub.definitions.changes.DocumentFolding;
import io.projhub.definitions.changes.FieldOp;
import io.projhub.definitions.changes.SortedSetChange;
import io.projhub.definitions.DefinedReadModel;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisBusyException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.resps.Tuple;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A read model of a definition file in Redis. Every key lies under the read model's prefix
 * {@code {<namespace>projhub}:<keyPrefix>:v<version>:} (the namespace's hash tag, see {@link RedisKeys}, then the
 * target's {@code keyPrefix} and the definition's version, so a new version is built beside the live one):
 * <ul>
 *   <li>{@code doc:<key>}: hash, one document, field = declared field (values as {@link RedisDefinedValues} writes
 *       them: a decimal as its exact string at the field's scale, a set or list as JSON...);</li>
 *   <li>{@code counter:<name>}: string, a counter's total (long digits or a decimal at its scale), beside
 *       {@code counter:<name>:by-stream}: hash, each stream's contribution to it;</li>
 *   <li>{@code zset:<name>}: sorted set;</li>
 *   <li>{@code versions}: hash, field = stream id, value = the highest version of the stream applied;</li>
 *   <li>{@code checkpoint}: hash with {@code txId}, {@code position} and {@code hash} (the program's).</li>
 * </ul>
 *
 * <p>A batch is one EVALSHA of {@link RedisDefinedScripts#BATCH} (a chunk of {@value #CHUNK_EVENTS} events or about
 * {@value #CHUNK_CHARS} characters of changes per call for a bigger one): for each event above its stream's recorded
 * version the script applies its changes and records the version atomically, then moves the checkpoint forward.
 * Supported changes: {@link DocumentChange} (every {@link FieldOp}), {@link DeleteDocument}, {@link CounterChange},
 * {@link SortedSetChange}; any other is a {@link ChangeFailure} of its event.
 *
 * <p>A program that reads {@code doc} ({@link ReadModelProgram#usesDocument()}): before computing changes, one
 * pipeline reads the recorded versions of the batch's streams and the documents of its events' keys; the events
 * above their stream's recorded version (in batch order) are folded through {@link DocumentFolding} against those
 * documents, and only they are sent to the script (a key no event's own key names, changed by an action's
 * {@code key}, is read when the fold first reaches it: one more pipeline).
 */
public final class RedisDefinedReadModel implements DefinedReadModel {

    /** The events one script call takes at most. */
    public static final int CHUNK_EVENTS = 1000;
    /** About the most characters of encoded changes one script call takes (a bigger event still goes alone). */
    public static final int CHUNK_CHARS = 1 << 20;
    /** The largest {@code limit} {@link #sortedSet} accepts. */
    public static final int MAX_SORTED_SET_LIMIT = 10_000;

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
    private static final String BY_STREAM = ":by-stream";

    private final UnifiedJedis redis;
    private final ReadModelProgram program;
    private final ReadModelDefinition definition;
    private final String prefix;
    private final int generation;
    private final Projector projector = new DefinedProjector();
    private final ReadModelProbe probe = new Probe();

    /**
     * @param redis     a {@link redis.clients.jedis.JedisPooled} (any {@link UnifiedJedis})
     * @param namespace see {@link RedisKeys} ({@code ""} for the hub, a random one in tests)
     * @throws IllegalArgumentException if the definition is not for Redis, its {@code keyPrefix} is not an identifier
     *                                  ({@code [A-Za-z][A-Za-z0-9_]*}) or its version is negative
     */
    public RedisDefinedReadModel(UnifiedJedis redis, String namespace, ReadModelProgram program) {
        this(redis, namespace, program, 0);
    }

    /** @param generation which build of the version (0: the first; a rebuild's keys are {@code :v<version>r<n>:}) */
    public RedisDefinedReadModel(UnifiedJedis redis, String namespace, ReadModelProgram program, int generation) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.program = Objects.requireNonNull(program, "program");
        this.definition = program.definition();
        definition.requireStore(StoreKind.REDIS);
        String keyPrefix = definition.target().keyPrefix();
        if (keyPrefix == null || !IDENTIFIER.matcher(keyPrefix).matches()) {
            throw new IllegalArgumentException("Read model " + definition.name() + ": the Redis keyPrefix '"
                    + keyPrefix + "' is not [A-Za-z][A-Za-z0-9_]*");
        }
        if (definition.version() < 0) {
            throw new IllegalArgumentException("Read model " + definition.name() + ": negative version "
                    + definition.version());
        }
        this.generation = generation;
        this.prefix = new RedisKeys(namespace).prefix() + keyPrefix + ":v" + definition.versionTag(generation) + ":";
    }

    @Override
    public int generation() {
        return generation;
    }

    // ---- physical names ----

    /** The prefix of every key of this read model: {@code {<namespace>projhub}:<keyPrefix>:v<version>:}. */
    public String keyPrefix() {
        return prefix;
    }

    public String documentKey(String key) {
        return prefix + "doc:" + key;
    }

    public String counterKey(String name) {
        return prefix + "counter:" + name;
    }

    public String counterByStreamKey(String name) {
        return counterKey(name) + BY_STREAM;
    }

    public String sortedSetKey(String name) {
        return prefix + "zset:" + name;
    }

    public String versionsKey() {
        return prefix + "versions";
    }

    public String checkpointKey() {
        return prefix + "checkpoint";
    }

    // ---- DefinedReadModel ----

    @Override
    public ReadModelProgram program() {
        return program;
    }

    @Override
    public Projector projector() {
        return projector;
    }

    @Override
    public ReadModelProbe probe() {
        return probe;
    }

    @Override
    public Optional<String> storedHash() {
        return Optional.ofNullable(redis.hget(checkpointKey(), "hash"));
    }

    /** The document's hash typed per the definition; {@code depth} means nothing in Redis. */
    @Override
    public Optional<Map<String, Object>> document(String key, int depth) {
        Map<String, String> stored = redis.hgetAll(documentKey(Objects.requireNonNull(key, "key")));
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(typed(stored));
    }

    /** A stored hash typed per the definition (declared fields in their order, then the others as stored text). */
    private Map<String, Object> typed(Map<String, String> stored) {
        Map<String, Object> document = new LinkedHashMap<>();
        for (FieldSpec spec : definition.fields().values()) {
            String text = stored.get(spec.name());
            if (text != null) {
                document.put(spec.name(), RedisDefinedValues.read(spec, text));
            }
        }
        new TreeMap<>(stored).forEach((field, text) -> document.putIfAbsent(field, text));
        return document;
    }

    @Override
    public void drop() {
        deleteAll();
    }

    // ---- Redis queries ----

    /**
     * A counter's total: a {@link Long}, or a {@link BigDecimal} at the scale its changes gave (a declared field of
     * the counter's name decides the type; otherwise a total with a decimal point is a decimal). Empty if no event
     * fed it.
     */
    public Optional<Number> counter(String name) {
        String text = redis.get(counterKey(Objects.requireNonNull(name, "name")));
        return Optional.ofNullable(text == null ? null : counterValue(name, text));
    }

    /** The totals of these counters that exist (one MGET), typed like {@link #counter}, by name. */
    public Map<String, Number> counters(List<String> names) {
        Map<String, Number> totals = new LinkedHashMap<>();
        if (names.isEmpty()) {
            return totals;
        }
        List<String> values = redis.mget(names.stream().map(this::counterKey).toArray(String[]::new));
        for (int i = 0; i < names.size(); i++) {
            if (values.get(i) != null) {
                totals.put(names.get(i), counterValue(names.get(i), values.get(i)));
            }
        }
        return totals;
    }

    /** The documents of these keys that exist (one pipeline), typed like {@link #document}, in the keys' order. */
    public Map<String, Map<String, Object>> documents(List<String> keys) {
        List<Response<Map<String, String>>> hashes = new ArrayList<>(keys.size());
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (String key : keys) {
                hashes.add(pipeline.hgetAll(documentKey(key)));
            }
            pipeline.sync();
        }
        Map<String, Map<String, Object>> documents = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            Map<String, String> stored = hashes.get(i).get();
            if (!stored.isEmpty()) {
                documents.put(keys.get(i), typed(stored));
            }
        }
        return documents;
    }

    /** Each stream's contribution to a counter, by stream id. */
    public Map<String, Number> counterContributions(String name) {
        Map<String, Number> contributions = new TreeMap<>();
        redis.hgetAll(counterByStreamKey(Objects.requireNonNull(name, "name")))
                .forEach((stream, text) -> contributions.put(stream, counterValue(name, text)));
        return contributions;
    }

    private Number counterValue(String name, String text) {
        FieldSpec spec = definition.field(name);
        if (spec != null && spec.type() == FieldType.LONG) {
            return Long.parseLong(text);
        }
        if (spec != null && spec.type() == FieldType.DECIMAL) {
            return new BigDecimal(text).setScale(spec.scale(), RoundingMode.UNNECESSARY);
        }
        return text.indexOf('.') >= 0 ? new BigDecimal(text) : (Number) Long.parseLong(text);
    }

    /** A member of a sorted set and its score. */
    /** A stream's contribution to a counter of this read model (its exact text); empty if it has none. */
    public Optional<String> contribution(String counter, String streamId) {
        return Optional.ofNullable(redis.hget(counterByStreamKey(counter), streamId));
    }

    /** A member's score in a sorted set of this read model; empty if it is not a member. */
    public Optional<Double> score(String set, String member) {
        return Optional.ofNullable(redis.zscore(sortedSetKey(set), member));
    }

    public record ScoredMember(String member, double score) {
    }

    /**
     * The first {@code limit} members of a sorted set by score, highest first if {@code descending}.
     *
     * @throws IllegalArgumentException if {@code limit} is not within 1..{@value #MAX_SORTED_SET_LIMIT}
     */
    public List<ScoredMember> sortedSet(String name, int limit, boolean descending) {
        if (limit < 1 || limit > MAX_SORTED_SET_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_SORTED_SET_LIMIT + ": " + limit);
        }
        String key = sortedSetKey(Objects.requireNonNull(name, "name"));
        List<Tuple> tuples = descending ? redis.zrevrangeWithScores(key, 0, limit - 1)
                : redis.zrangeWithScores(key, 0, limit - 1);
        List<ScoredMember> members = new ArrayList<>(tuples.size());
        for (Tuple tuple : tuples) {
            members.add(new ScoredMember(tuple.getElement(), tuple.getScore()));
        }
        return members;
    }

    // ---- writing ----

    /** Applies a batch and returns how many of its events changed the read model (others were applied before). */
    long applyCounting(EventBatch batch) throws ChangeFailure {
        List<RecordedEvent> events = batch.events();
        List<ObjectNode> rows = null; // null: each event is encoded as its chunk is built (the program ignores doc)
        if (program.usesDocument()) {
            Folded folded = fold(events);
            events = folded.events();
            rows = folded.rows();
        }
        List<String> keys = List.of(versionsKey(), checkpointKey());
        long applied = 0;
        int from = 0;
        do {
            // each event is serialised once, the chunk joined from the pieces
            StringBuilder chunk = new StringBuilder("[");
            int to = from;
            while (to < events.size() && to - from < CHUNK_EVENTS && (to == from || chunk.length() < CHUNK_CHARS)) {
                ObjectNode encoded = rows == null ? encode(events.get(to)) : rows.get(to);
                if (to > from) {
                    chunk.append(',');
                }
                chunk.append(RedisDefinedValues.JSON.writeValueAsString(encoded));
                to++;
            }
            chunk.append(']');
            boolean last = to >= events.size() && !batch.isPart(); // a part of a batch leaves the checkpoint
            List<String> args = List.of(prefix, chunk.toString(),
                    last ? Long.toString(batch.checkpoint().txId()) : "",
                    last ? Long.toString(batch.checkpoint().position()) : "",
                    program.hash());
            List<?> result = (List<?>) run(RedisDefinedScripts.BATCH_SHA, RedisDefinedScripts.BATCH, keys, args);
            applied += (Long) result.get(0);
            long failed = (Long) result.get(1);
            if (failed > 0) {
                RecordedEvent event = events.get(from + (int) failed - 1);
                throw new ChangeFailure("Read model " + definition.name() + " (" + definition.source() + "): event "
                        + event.streamId() + "@" + event.version() + " (" + event.type() + ") at position "
                        + event.position() + ": " + result.get(2));
            }
            from = to;
        } while (from < events.size());
        return applied;
    }

    /**
     * One event for the script. An event the program cannot turn into changes (or whose changes Redis does not
     * support) is sent with its failure: the script reports it only if the event is not applied yet (a redelivery
     * of an event skipped by an admin passes).
     */
    private ObjectNode encode(RecordedEvent event) {
        ObjectNode row = JsonNodeFactory.instance.objectNode();
        row.put("s", event.streamId());
        row.put("v", Long.toString(event.version()));
        ArrayNode changes = JsonNodeFactory.instance.arrayNode();
        try {
            for (Change change : program.changes(event)) {
                changes.add(encode(change));
            }
            row.set("c", changes);
        } catch (ChangeFailure | RuntimeException e) {
            row.remove("c");
            row.put("f", String.valueOf(e.getMessage()));
        }
        return row;
    }

    /** One event for the script with the changes the fold computed (or its failure if Redis cannot make them). */
    private ObjectNode encode(RecordedEvent event, List<Change> computed) {
        ObjectNode row = JsonNodeFactory.instance.objectNode();
        row.put("s", event.streamId());
        row.put("v", Long.toString(event.version()));
        ArrayNode changes = JsonNodeFactory.instance.arrayNode();
        try {
            for (Change change : computed) {
                changes.add(encode(change));
            }
            row.set("c", changes);
        } catch (ChangeFailure | RuntimeException e) {
            row.put("f", String.valueOf(e.getMessage()));
        }
        return row;
    }

    // ---- programs that read the document ----

    /** The events to send to the script and their encoded rows. */
    private record Folded(List<RecordedEvent> events, List<ObjectNode> rows) {
    }

    /**
     * The batch's events above their stream's recorded version, with the changes {@link DocumentFolding} computes
     * for them. An event whose changes cannot be computed (an expression fails on it: a {@link ChangeFailure}) is
     * sent last, with its failure, after the events before it (folded without it): the script applies those and
     * reports it, as for a program that does not read the document. A failure of Redis while reading propagates as
     * it is (a connection failure stays transient).
     */
    private Folded fold(List<RecordedEvent> batch) throws ChangeFailure {
        Set<String> streams = new LinkedHashSet<>();
        Set<String> keys = new LinkedHashSet<>();
        for (RecordedEvent event : batch) {
            streams.add(event.streamId());
            try {
                String key = program.keyOf(event);
                if (key != null && !key.isEmpty()) {
                    keys.add(key);
                }
            } catch (ChangeFailure | RuntimeException e) {
                // the fold reports it, if the event is to be applied
            }
        }
        Documents documents = new Documents();
        Map<String, Long> recorded = streams.isEmpty() ? Map.of() : documents.prefetch(streams, keys);

        // A single lane writes a read model: the versions and documents read above are what the script will see when
        // it runs, so the events chosen here are the ones it applies (its version guard still decides, event by
        // event) and the fold starts from the documents it will change.
        List<RecordedEvent> toApply = new ArrayList<>(batch.size());
        Map<String, Long> versions = new HashMap<>(recorded);
        for (RecordedEvent event : batch) {
            if (event.version() > versions.getOrDefault(event.streamId(), 0L)) {
                toApply.add(event);
                versions.put(event.streamId(), event.version());
            }
        }

        Tracking tracking = new Tracking(program);
        List<RecordedEvent> folded = toApply;
        RecordedEvent failed = null;
        String failure = null;
        List<List<Change>> changes;
        while (true) {
            try {
                changes = DocumentFolding.changes(tracking, folded, documents);
                break;
            } catch (Exception e) {
                if (documents.failure != null) {
                    throw documents.failure;
                }
                if (!(e instanceof ChangeFailure) && !(e instanceof RuntimeException)) {
                    throw new IllegalStateException(e);
                }
                int at = indexOf(folded, tracking.current);
                if (at < 0) {
                    throw new ChangeFailure("Read model " + definition.name() + ": " + e.getMessage(), e);
                }
                // the events before it are folded again without it (their documents are read already)
                failed = folded.get(at);
                failure = String.valueOf(e.getMessage());
                folded = folded.subList(0, at);
                tracking.current = null;
            }
        }
        List<RecordedEvent> events = new ArrayList<>(folded.size() + 1);
        List<ObjectNode> rows = new ArrayList<>(folded.size() + 1);
        for (int i = 0; i < folded.size(); i++) {
            events.add(folded.get(i));
            rows.add(encode(folded.get(i), changes.get(i)));
        }
        if (failed != null) {
            ObjectNode row = JsonNodeFactory.instance.objectNode();
            row.put("s", failed.streamId());
            row.put("v", Long.toString(failed.version()));
            row.put("f", failure);
            events.add(failed);
            rows.add(row);
        }
        return new Folded(events, rows);
    }

    private static int indexOf(List<RecordedEvent> events, RecordedEvent event) {
        if (event != null) {
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i) == event) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** The documents of a batch, read from Redis once per key, typed per the definition. */
    private final class Documents implements DocumentFolding.DocumentLoader {

        private final Map<String, Map<String, Object>> read = new HashMap<>();
        /** What Redis threw while the fold read a document: the batch's failure, not its event's. */
        private RuntimeException failure;

        /**
         * One pipeline (one round trip): HMGET of the streams' recorded versions and HGETALL of each key's document.
         *
         * @return stream id -> recorded version (absent: none)
         */
        Map<String, Long> prefetch(Set<String> streams, Set<String> keys) {
            String[] streamIds = streams.toArray(String[]::new);
            Map<String, Response<Map<String, String>>> hashes = new LinkedHashMap<>();
            Response<List<String>> versions;
            try (AbstractPipeline pipeline = redis.pipelined()) {
                versions = pipeline.hmget(versionsKey(), streamIds);
                for (String key : keys) {
                    hashes.put(key, pipeline.hgetAll(documentKey(key)));
                }
                pipeline.sync();
            }
            hashes.forEach((key, hash) -> read.put(key, typedOrEmpty(hash.get())));
            Map<String, Long> recorded = new HashMap<>();
            List<String> values = versions.get();
            for (int i = 0; i < streamIds.length; i++) {
                if (values.get(i) != null) {
                    recorded.put(streamIds[i], Long.parseLong(values.get(i)));
                }
            }
            return recorded;
        }

        /** The fold's reads: from the prefetch; a key not read yet in one more pipeline. */
        @Override
        public Map<String, Map<String, Object>> load(Set<String> keys) {
            try {
                Map<String, Response<Map<String, String>>> missing = new LinkedHashMap<>();
                for (String key : keys) {
                    if (key != null && !key.isEmpty() && !read.containsKey(key)) {
                        missing.put(key, null);
                    }
                }
                if (!missing.isEmpty()) {
                    try (AbstractPipeline pipeline = redis.pipelined()) {
                        missing.replaceAll((key, none) -> pipeline.hgetAll(documentKey(key)));
                        pipeline.sync();
                    }
                    missing.forEach((key, hash) -> read.put(key, typedOrEmpty(hash.get())));
                }
                Map<String, Map<String, Object>> documents = new HashMap<>();
                for (String key : keys) {
                    Map<String, Object> document = key == null ? null : read.get(key);
                    if (document != null && !document.isEmpty()) {
                        documents.put(key, document);
                    }
                }
                return documents;
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            }
        }

        private Map<String, Object> typedOrEmpty(Map<String, String> stored) {
            return stored == null || stored.isEmpty() ? Map.of() : typed(stored);
        }
    }

    /** The program, remembering the event it was last asked about (the one a failure of the fold is about). */
    private static final class Tracking implements ReadModelProgram {

        private final ReadModelProgram program;
        private RecordedEvent current;

        Tracking(ReadModelProgram program) {
            this.program = program;
        }

        @Override
        public ReadModelDefinition definition() {
            return program.definition();
        }

        @Override
        public String hash() {
            return program.hash();
        }

        @Override
        public Set<String> eventTypes() {
            return program.eventTypes();
        }

        @Override
        public boolean usesDocument() {
            return program.usesDocument();
        }

        @Override
        public List<Change> changes(RecordedEvent event) throws ChangeFailure {
            current = event;
            return program.changes(event);
        }

        @Override
        public String keyOf(RecordedEvent event) throws ChangeFailure {
            current = event;
            return program.keyOf(event);
        }

        @Override
        public List<Change> changes(RecordedEvent event, Map<String, Object> document) throws ChangeFailure {
            current = event;
            return program.changes(event, document);
        }
    }

    private ObjectNode encode(Change change) throws ChangeFailure {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        if (change instanceof DocumentChange document) {
            c.put("t", "doc");
            c.put("k", key(document.key()));
            ArrayNode ops = c.putArray("o");
            for (FieldOp op : document.ops()) {
                ops.add(encode(op));
            }
        } else if (change instanceof DeleteDocument delete) {
            c.put("t", "del");
            c.put("k", key(delete.key()));
        } else if (change instanceof CounterChange counter) {
            String name = name("counter", counter.counter());
            if (name.endsWith(BY_STREAM)) {
                throw new ChangeFailure("A counter name must not end with " + BY_STREAM + ": " + name);
            }
            c.put("t", "cnt");
            c.put("n", name);
            Number delta = Objects.requireNonNull(counter.delta(), "delta");
            if (delta instanceof BigDecimal decimal) {
                BigDecimal exact = RedisDefinedValues.toDecimal("counter " + name, counter.scale(), decimal);
                c.put("m", "D");
                c.put("d", exact.unscaledValue().toString());
                c.put("s", Integer.toString(exact.scale()));
            } else {
                c.put("m", "L");
                c.put("d", Long.toString(RedisDefinedValues.toLong("counter " + name, delta)));
            }
        } else if (change instanceof SortedSetChange sorted) {
            c.put("t", "zs");
            c.put("n", name("sorted set", sorted.set()));
            c.put("m", sorted.remove() ? "rem" : sorted.increment() ? "incr" : "add");
            c.put("e", Objects.requireNonNull(sorted.member(), "member"));
            if (!Double.isFinite(sorted.score())) {
                throw new ChangeFailure("Sorted set " + sorted.set() + ": the score of " + sorted.member()
                        + " is not finite: " + sorted.score());
            }
            c.put("sc", Double.toString(sorted.score()));
            if (sorted.keep() > 0 && !sorted.remove()) {
                c.put("kp", Long.toString(sorted.keep()));
            }
        } else {
            throw new ChangeFailure("Read model " + definition.name() + ": Redis does not support a "
                    + change.getClass().getSimpleName());
        }
        return c;
    }

    private ObjectNode encode(FieldOp op) throws ChangeFailure {
        String field = op.field();
        if (field == null || field.isEmpty()) {
            throw new ChangeFailure("A field operation without a field: " + op);
        }
        FieldSpec spec = definition.field(field);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("f", field);
        if (op instanceof FieldOp.Set set) {
            o.put("o", "set");
            o.put("v", RedisDefinedValues.fieldText(field, spec, set.value()));
        } else if (op instanceof FieldOp.Unset) {
            o.put("o", "unset");
        } else if (op instanceof FieldOp.Increment increment) {
            Number delta = increment.delta();
            FieldType type = spec != null ? spec.type() : RedisDefinedValues.inferred(delta);
            switch (type) {
                case LONG -> {
                    o.put("o", "incl");
                    o.put("d", Long.toString(RedisDefinedValues.toLong(field, delta)));
                }
                case DECIMAL -> {
                    int scale = spec != null ? spec.scale() : RedisDefinedValues.naturalScale(delta);
                    BigDecimal exact = RedisDefinedValues.toDecimal(field, scale, delta);
                    o.put("o", "incd");
                    o.put("d", exact.unscaledValue().toString());
                    o.put("s", Integer.toString(scale));
                }
                case DOUBLE -> {
                    o.put("o", "incf");
                    o.put("d", Double.toString(RedisDefinedValues.toDouble(field, delta)));
                }
                default -> throw new ChangeFailure("field " + field + " is a " + type.id() + ", cannot be incremented");
            }
        } else {
            FieldType elementType = null;
            int scale = RedisDefinedValues.naturalScale(elementOf(op));
            if (spec != null) {
                if (!spec.type().collection() && spec.type() != FieldType.OBJECT) {
                    throw new ChangeFailure("field " + field + " is a " + spec.type().id() + ", not a set or list");
                }
                elementType = spec.elementType();
                scale = spec.scale();
            }
            o.put("o", op instanceof FieldOp.AddToSet ? "add" : op instanceof FieldOp.Remove ? "rem" : "app");
            o.put("v", RedisDefinedValues.elementJson(field, elementType, scale, elementOf(op)));
        }
        return o;
    }

    private static Object elementOf(FieldOp op) {
        if (op instanceof FieldOp.AddToSet add) {
            return add.value();
        }
        if (op instanceof FieldOp.Remove remove) {
            return remove.value();
        }
        return ((FieldOp.Append) op).value();
    }

    private static String key(String key) throws ChangeFailure {
        if (key == null || key.isEmpty()) {
            throw new ChangeFailure("A document change without a key");
        }
        return key;
    }

    private static String name(String what, String name) throws ChangeFailure {
        if (name == null || name.isEmpty()) {
            throw new ChangeFailure("A " + what + " change without a name");
        }
        return name;
    }

    /** A counter as the drift audit found it: its total and what its streams' contributions add up to. */
    public record CounterCheck(String counter, String total, String sumOfStreams, boolean differed) {
    }

    /**
     * Checks every counter of this read model: its total against the sum of its per-stream contributions (the
     * scripts keep the two equal, so a difference is a change made behind the hub's back); with {@code repair}, a
     * total that differs is set to the sum, atomically (one script per counter, which no batch can interleave).
     */
    public List<CounterCheck> checkCounters(boolean repair) {
        String pattern = prefix + "counter:*";
        List<CounterCheck> checks = new ArrayList<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, new ScanParams().match(pattern).count(1000));
            for (String key : page.getResult()) {
                if (key.endsWith(BY_STREAM)) {
                    continue;
                }
                @SuppressWarnings("unchecked")
                List<Object> result = (List<Object>) run(RedisDefinedScripts.CHECK_COUNTER_SHA,
                        RedisDefinedScripts.CHECK_COUNTER, List.of(key, key + BY_STREAM),
                        List.of("", "{}", repair ? "1" : "0"));
                checks.add(new CounterCheck(key.substring(prefix.length() + "counter:".length()),
                        text(result.get(0)), text(result.get(1)),
                        ((Number) result.get(2)).longValue() == 1));
            }
            cursor = page.getCursor();
        } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
        return checks;
    }

    private static String text(Object reply) {
        return reply instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
                : String.valueOf(reply);
    }

    private Object run(String sha, String script, List<String> keys, List<String> args) {
        try {
            return redis.evalsha(sha, keys, args);
        } catch (JedisNoScriptException e) {
            // First use on this server, or its script cache was flushed: EVAL runs and caches it.
            return redis.eval(script, keys, args);
        }
    }

    /** Deletes every key under this read model's prefix (SCAN, then DEL in chunks of up to 1000). */
    private void deleteAll() {
        ScanParams params = new ScanParams().match(prefix + "*").count(1000);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, params);
            if (!page.getResult().isEmpty()) {
                redis.del(page.getResult().toArray(String[]::new));
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    }

    private LogPosition readCheckpoint() {
        List<String> stored = redis.hmget(checkpointKey(), "txId", "position");
        if (stored.get(0) == null || stored.get(1) == null) {
            return LogPosition.START;
        }
        return new LogPosition(Long.parseLong(stored.get(0)), Long.parseLong(stored.get(1)));
    }

    /**
     * TRANSIENT: connection failures, a busy or loading server, failover, out-of-memory, too-few-replicas or
     * cannot-persist states, authentication or permission errors (as {@link RedisOrderProjector} classifies them).
     * PERMANENT: a {@link ChangeFailure} and anything else.
     */
    static FailureKind classifyFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ChangeFailure) {
                return FailureKind.PERMANENT;
            }
            if (t instanceof JedisConnectionException || t instanceof JedisBusyException
                    || t instanceof JedisAccessControlException) {
                return FailureKind.TRANSIENT;
            }
            if (t instanceof JedisDataException && isServerState(t.getMessage())) {
                return FailureKind.TRANSIENT;
            }
        }
        return FailureKind.ofCauseChain(failure);
    }

    private static boolean isServerState(String message) {
        if (message == null) {
            return false;
        }
        for (String state : List.of("LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN", "CLUSTERDOWN", "OOM",
                "NOREPLICAS", "MISCONF", "NOAUTH", "WRONGPASS", "NOPERM")) {
            if (message.startsWith(state)) {
                return true;
            }
        }
        return false;
    }

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
            return readCheckpoint();
        }

        @Override
        public PartKeys partKeys(RecordedEvent event) {
            return program.partKeys(event);
        }

        @Override
        public void apply(EventBatch batch) throws ChangeFailure {
            applyCounting(batch);
        }

        /** Deletes this read model's keys (data, version records, checkpoint), and no other key. */
        @Override
        public void reset() {
            deleteAll();
        }

        /**
         * The forget script (the stream's document, its counter contributions and sorted-set members, its version
         * record; atomically), then the stream's events applied as usual. Should the second step fail, the stream has
         * no version record and the next audit finds it missing and applies it again.
         */
        @Override
        public void rewrite(String streamId, EventBatch batch) throws Exception {
            StreamFold fold = Rewrites.foldOwn(program, streamId, batch.events());
            ObjectNode payload = JsonNodeFactory.instance.objectNode();
            payload.put("s", streamId);
            payload.put("k", streamId);
            ArrayNode counters = payload.putArray("c");
            fold.counters().forEach((name, share) -> counters.addObject().put("n", name)
                    .put("m", share.scale() == 0 ? "L" : "D").put("s", Integer.toString(share.scale())));
            ArrayNode members = payload.putArray("z");
            fold.sortedSets().forEach((set, names) -> names.forEach(m -> members.addObject().put("n", set).put("e", m)));
            run(RedisDefinedScripts.FORGET_SHA, RedisDefinedScripts.FORGET, List.of(versionsKey()),
                    List.of(prefix, payload.toString()));
            apply(batch);
        }

        @Override
        public void recordSkipped(String streamId, long version) {
            run(RedisDefinedScripts.SKIP_SHA, RedisDefinedScripts.SKIP, List.of(versionsKey()),
                    List.of(Objects.requireNonNull(streamId, "streamId"), Long.toString(version)));
        }

        /** Sets txId and position to exactly {@code checkpoint} (also backwards) in one HSET; the hash stays. */
        @Override
        public void overwriteCheckpoint(LogPosition checkpoint) {
            redis.hset(checkpointKey(), Map.of("txId", Long.toString(checkpoint.txId()),
                    "position", Long.toString(checkpoint.position())));
        }

        @Override
        public FailureKind classify(Throwable failure) {
            return classifyFailure(failure);
        }
    }

    private final class Probe implements ReadModelProbe {

        @Override
        public String name() {
            return definition.name();
        }

        @Override
        public LogPosition checkpoint() {
            return readCheckpoint();
        }

        @Override
        public long appliedVersion(String streamId) {
            String version = redis.hget(versionsKey(), Objects.requireNonNull(streamId, "streamId"));
            return version == null ? 0 : Long.parseLong(version);
        }

        @Override
        public Map<String, Long> appliedVersions(java.util.Collection<String> streamIds) {
            Map<String, Long> answer = new java.util.LinkedHashMap<>();
            if (streamIds.isEmpty()) {
                return answer;
            }
            String[] fields = streamIds.toArray(String[]::new);
            List<String> values = redis.hmget(versionsKey(), fields);
            for (int i = 0; i < fields.length; i++) {
                String value = values.get(i);
                answer.put(fields[i], value == null ? 0L : Long.parseLong(value));
            }
            return answer;
        }

        /** One {@code HSCAN} of the versions hash (unordered; the cursor is Redis's own). */
        @Override
        public io.projhub.core.projection.RecordedStreams recordedStreams(String cursor, int limit) {
            ScanResult<Map.Entry<String, String>> page = redis.hscan(versionsKey(),
                    cursor == null ? ScanParams.SCAN_POINTER_START : cursor, new ScanParams().count(limit));
            Map<String, Long> versions = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, String> entry : page.getResult()) {
                versions.put(entry.getKey(), Long.parseLong(entry.getValue()));
            }
            return new io.projhub.core.projection.RecordedStreams(versions,
                    page.isCompleteIteration() ? null : page.getCursor());
        }
    }
}
