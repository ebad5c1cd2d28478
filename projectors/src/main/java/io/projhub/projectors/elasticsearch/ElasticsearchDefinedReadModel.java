package io.projhub.projectors.elasticsearch;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOptions;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.VersionType;
import co.elastic.clients.elasticsearch._types.aggregations.Aggregate;
import co.elastic.clients.elasticsearch._types.query_dsl.BoolQuery;
import co.elastic.clients.elasticsearch._types.query_dsl.Operator;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch._types.query_dsl.TextQueryType;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.get.GetResult;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import co.elastic.clients.elasticsearch.core.search.Hit;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.Projector;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.FieldType;
import io.projhub.definitions.ReadModelDefinition;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.definitions.audit.Rewrites;
import io.projhub.definitions.StoreKind;
import io.projhub.definitions.changes.Change;
import io.projhub.definitions.changes.DeleteDocument;
import io.projhub.definitions.changes.DocumentChange;
import io.projhub.definitions.changes.DocumentFold;
import io.projhub.definitions.changes.DocumentFolding;
import io.projhub.definitions.changes.FieldOp;
import io.projhub.definitions.DefinedReadModel;
import tools.jackson.databind.json.JsonMapper;

/**
 * A read model of a definition file as Elasticsearch documents, one per key.
 *
 * <h2>Layout</h2>
 * <ul>
 *   <li>The documents live in the concrete index {@code <namespace><index>-v<version>} ({@code index} from the
 *       definition's target, {@code version} the definition's), created with a strict mapping derived from the
 *       declared fields. The alias {@code <namespace><index>} is added to it when the alias does not exist yet (the
 *       first version becomes the live one; a later version is built beside it and swapped by whoever promotes it).
 *       This read model itself reads its concrete index and writes through its own write alias
 *       {@code <namespace><index>-v<version>-write} with {@code require_alias}, so a write can never auto-create an
 *       index with dynamic mappings.</li>
 *   <li>A document's {@code _id} is its key. Besides the declared fields it holds {@code projhub_key} (the key),
 *       {@code projhub_streams} (the streams that fed it), {@code projhub_versions} (per stream, the last version
 *       applied to it) and {@code projhub_deleted} (a tombstone: {@link DeleteDocument} removes the fields but keeps
 *       the versions, so a replay of older events changes nothing; tombstones are hidden from queries and
 *       {@link #document}).</li>
 *   <li>Stream records, in the same index with {@code _id} {@code projhub:stream:<streamId>} and
 *       {@code projhub_deleted: true} (so never a document of queries), hold a stream's version reached without
 *       changing any document: a version an admin skipped ({@link Projector#recordSkipped}) or an event whose
 *       changes were empty. Written with external versioning (= the stream version), so they only ever rise. Keys
 *       starting with {@code projhub:} are therefore refused.</li>
 *   <li>The checkpoint and the program's hash: one document {@code <name>@v<version>} in
 *       {@code <namespace>projhub-defined-checkpoints}.</li>
 * </ul>
 *
 * <h2>Writes</h2>
 * A batch costs one {@code _mget} (the documents of every key the batch changes and the stream records of its
 * streams, real-time), one {@code _bulk} and one write of the checkpoint (plus a second {@code _bulk} for the stream
 * records of events without changes, written only once the documents are, so that a record never covers an event
 * whose document write failed). Each document is folded in memory with
 * {@link DocumentFold} (an event is skipped for a document whose {@code projhub_versions[stream]} is at or above its
 * version, and for every document when its stream record is), then written whole: {@code create} for a new document,
 * {@code index} with {@code if_seq_no}/{@code if_primary_term} for an existing one. The versions travel in the
 * document, so the guard commits with the data. On a version conflict the key is read again and folded again (a
 * bounded number of times). No refresh on this path.
 * <p>
 * A program that reads {@code doc} ({@link ReadModelProgram#usesDocument()}) takes the same {@code _mget} (keyed by
 * the events' keys) as the loader of {@link DocumentFolding}: the events above their stream record and above their
 * stream's version in their key's document are folded, in batch order, and their documents are written from that
 * same read, so a concurrent change is a version conflict; see {@code applyReadingDocuments}.
 */
public final class ElasticsearchDefinedReadModel implements DefinedReadModel {

    static final String KEY = "projhub_key";
    static final String STREAMS = "projhub_streams";
    static final String VERSIONS = "projhub_versions";
    static final String DELETED = "projhub_deleted";
    /** The {@code _id} prefix of stream records; no document key may start with {@code projhub:}. */
    static final String RECORD_PREFIX = "projhub:stream:";
    private static final String RESERVED_KEY_PREFIX = "projhub:";

    /** Index names are lowercase; the namespace is a prefix of every name. */
    private static final Pattern NAMESPACE = Pattern.compile("|[a-z0-9][a-z0-9_-]{0,39}");
    private static final Pattern INDEX = Pattern.compile("[a-z][a-z0-9_]{0,99}");
    private static final Pattern FIELD = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,99}");
    private static final Pattern STREAM_ID = Pattern.compile(EventStore.STREAM_ID_PATTERN);
    private static final int MAX_ID_BYTES = 512;
    private static final int MAX_CONFLICT_ATTEMPTS = 5;
    private static final int PROBE_PAGE = 1000;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ElasticsearchClient client;
    private final ReadModelProgram program;
    private final ReadModelDefinition definition;
    private final int generation;
    private final String alias;
    private final String concreteIndex;
    private final String writeAlias;
    private final String checkpointIndex;
    private final String checkpointId;
    /** The program whose changes come normalized to the declared types (what {@link DocumentFolding} folds). */
    private final ReadModelProgram normalizing = new NormalizingProgram();
    private final DefinedProjector projector = new DefinedProjector();
    private final DefinedProbe probe = new DefinedProbe();
    private volatile boolean ready;
    private final java.util.concurrent.atomic.AtomicLong conflictRetries = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param namespace a prefix of every index name ("" for the hub; tests pass their own)
     * @throws IllegalArgumentException if the namespace, the definition's store, index, version or a field name is
     *                                  not usable here (the message names it)
     */
    public ElasticsearchDefinedReadModel(ElasticsearchClient client, String namespace, ReadModelProgram program) {
        this(client, namespace, program, 0);
    }

    /**
     * @param generation which build of the definition's version (0: the first; an admin rebuild builds the next
     *                   beside it under its own index {@code <index>-v<version>r<generation>})
     */
    public ElasticsearchDefinedReadModel(ElasticsearchClient client, String namespace, ReadModelProgram program,
                                         int generation) {
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("namespace must be empty or up to 40 of a-z, 0-9, '_' and '-' "
                    + "starting with a letter or digit, was '" + namespace + "'");
        }
        this.client = client;
        this.program = program;
        this.definition = program.definition();
        definition.requireStore(StoreKind.ELASTICSEARCH);
        if (definition.name().isBlank()) {
            throw new IllegalArgumentException("a read model needs a name");
        }
        String index = definition.target().index();
        if (index == null || !INDEX.matcher(index).matches() || index.startsWith("projhub")) {
            throw new IllegalArgumentException("read model " + definition.name() + ": target index '" + index
                    + "' must match " + INDEX.pattern() + " and not start with 'projhub'");
        }
        if (definition.version() < 1) {
            throw new IllegalArgumentException("read model " + definition.name() + ": version must be at least 1, was "
                    + definition.version());
        }
        for (FieldSpec field : definition.fields().values()) {
            if (!FIELD.matcher(field.name()).matches() || field.name().startsWith("projhub_")) {
                throw new IllegalArgumentException("read model " + definition.name() + ": field name '" + field.name()
                        + "' must match " + FIELD.pattern() + " and not start with 'projhub_'");
            }
            if (field.valueType() == FieldType.DECIMAL && (field.scale() < 0 || field.scale() > 18)) {
                throw new IllegalArgumentException("read model " + definition.name() + ": decimal field "
                        + field.name() + " needs a scale from 0 to 18, was " + field.scale());
            }
        }
        this.generation = generation;
        this.alias = namespace + index;
        this.concreteIndex = alias + "-v" + definition.versionTag(generation);
        this.writeAlias = concreteIndex + "-write";
        this.checkpointIndex = namespace + "projhub-defined-checkpoints";
        this.checkpointId = definition.name() + "@v" + definition.versionTag(generation);
    }

    @Override
    public int generation() {
        return generation;
    }

    /**
     * Points the public alias {@code <namespace><index>} at this build's index, in one atomic alias update (an
     * application searching the alias directly sees the old build, then this one, never neither).
     */
    @Override
    public void promote() throws IOException {
        ensureStarted();
        List<String> holders = new ArrayList<>();
        if (client.indices().existsAlias(a -> a.name(alias)).value()) {
            // (a get of a missing alias is a 404 whose body the client cannot read: ask whether it exists first)
            holders.addAll(client.indices().getAlias(g -> g.name(alias)).aliases().keySet());
        }
        if (holders.equals(List.of(concreteIndex))) {
            return;
        }
        client.indices().updateAliases(u -> {
            for (String holder : holders) {
                if (!holder.equals(concreteIndex)) {
                    u.actions(a -> a.remove(r -> r.index(holder).alias(alias)));
                }
            }
            return u.actions(a -> a.add(add -> add.index(concreteIndex).alias(alias)));
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
    public ReadModelProbe probe() {
        return probe;
    }

    /** The alias of the live version ({@code <namespace><index>}), added to this version's index if it had none. */
    public String alias() {
        return alias;
    }

    /** This version's index: {@code <namespace><index>-v<version>}. */
    public String concreteIndex() {
        return concreteIndex;
    }

    /** {@code <namespace>projhub-defined-checkpoints}: one document per read model version. */
    public String checkpointIndex() {
        return checkpointIndex;
    }

    /** The id of this read model's checkpoint document: {@code <name>@v<version>}. */
    public String checkpointId() {
        return checkpointId;
    }

    /** How many documents this instance had to read and fold again after a version conflict (for metrics, tests). */
    public long conflictRetries() {
        return conflictRetries.get();
    }

    /** Creates this version's index (with its aliases) and the checkpoint index if missing; idempotent. */
    public void start() throws IOException {
        ensureIndices();
        ready = true;
    }

    /**
     * Makes every write so far visible to {@link #search} and to the probe's {@code appliedVersion} (Elasticsearch
     * refreshes about once a second by itself). For read-your-writes and tests; the write path never refreshes.
     */
    public void refresh() throws IOException {
        client.indices().refresh(r -> r.index(concreteIndex).ignoreUnavailable(true).allowNoIndices(true));
    }

    @Override
    public Optional<String> storedHash() throws IOException {
        Map<String, Object> checkpoint = readCheckpoint();
        return checkpoint == null || checkpoint.get("hash") == null ? Optional.empty()
                : Optional.of(checkpoint.get("hash").toString());
    }

    /**
     * The document with this key, its declared fields typed per the definition (decimals as BigDecimal of the
     * field's scale, timestamps as ISO-8601 strings); empty if there is none or it was deleted. Real-time (no refresh
     * needed). {@code depth} does not matter here: documents have no relationships.
     */
    @Override
    public Optional<Map<String, Object>> document(String key, int depth) throws IOException {
        if (key == null || key.isEmpty() || key.startsWith(RESERVED_KEY_PREFIX)
                || key.getBytes(StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
            return Optional.empty();
        }
        try {
            GetResponse<ExactSource> found = client.get(g -> g.index(concreteIndex).id(key), ExactSource.class);
            if (!found.found() || found.source() == null || isDeleted(found.source().fields())) {
                return Optional.empty();
            }
            return Optional.of(output(found.source().fields()));
        } catch (ElasticsearchException e) {
            if (ElasticsearchErrors.isMissingIndex(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Deletes this version's index (documents, tombstones and stream records) and this read model's checkpoint. */
    @Override
    public void drop() throws IOException {
        ready = false;
        client.indices().delete(d -> d.index(concreteIndex).ignoreUnavailable(true).allowNoIndices(true));
        deleteCheckpoint();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Search

    /**
     * A search over the documents, validated on construction (problems are {@link IllegalArgumentException}s whose
     * message starts with the parameter's name); the fields are checked against the definition by {@link #search}.
     *
     * @param q       free text matched against the text fields, all words required; never parsed as a query language
     * @param filters exact values of keyword, long or boolean fields (or sets/lists of them)
     * @param sort    a declared field (text fields sort on their {@code raw} keyword); default: relevance when
     *                {@code q} is given, else the key
     * @param desc    descending sort
     * @param page    0-based page, default 0
     * @param size    page size 1..{@value #MAX_SIZE}, default {@value #DEFAULT_SIZE}
     * @param agg     a keyword field to count documents by (a terms aggregation over all matches), or null
     */
    public record SearchQuery(String q, Map<String, String> filters, String sort, boolean desc, Integer page,
                              Integer size, String agg) {

        public static final int DEFAULT_SIZE = 20;
        public static final int MAX_SIZE = 100;
        public static final int MAX_WINDOW = 10_000;
        public static final int MAX_TEXT = 256;

        public SearchQuery {
            q = q == null || q.isBlank() ? null : q.strip();
            if (q != null && q.length() > MAX_TEXT) {
                throw new IllegalArgumentException("q must be at most " + MAX_TEXT + " characters");
            }
            if (filters != null && filters.entrySet().stream().anyMatch(e -> e.getKey() == null || e.getValue() == null)) {
                throw new IllegalArgumentException("filters must not hold null fields or values");
            }
            filters = filters == null ? Map.of() : Map.copyOf(filters);
            sort = sort == null || sort.isBlank() ? null : sort.strip();
            agg = agg == null || agg.isBlank() ? null : agg.strip();
            page = page == null ? 0 : page;
            size = size == null ? DEFAULT_SIZE : size;
            if (size < 1 || size > MAX_SIZE) {
                throw new IllegalArgumentException("size must be between 1 and " + MAX_SIZE + ", was " + size);
            }
            if (page < 0) {
                throw new IllegalArgumentException("page must not be negative, was " + page);
            }
            if ((long) (page + 1) * size > MAX_WINDOW) {
                throw new IllegalArgumentException("page is too deep: (page + 1) * size must be at most " + MAX_WINDOW);
            }
        }

        /** Everything, first page, default size, by key. */
        public static SearchQuery all() {
            return new SearchQuery(null, null, null, false, null, null, null);
        }
    }

    /** One document of a search: its key and its declared fields, typed like {@link #document}. */
    public record SearchHit(String key, Map<String, Object> document) {
    }

    /** One bucket of the {@code agg} field: a value and how many matching documents have it. */
    public record Bucket(String key, long count) {
    }

    /** {@code total} matching documents, this page's {@code hits}, and the buckets of {@code agg} over all matches. */
    public record SearchResult(long total, List<SearchHit> hits, List<Bucket> buckets) {
        public SearchResult {
            hits = List.copyOf(hits);
            buckets = List.copyOf(buckets);
        }
    }

    private static final int MAX_BUCKETS = 100;

    /** One page of the documents matching {@code query} (as of the last refresh), in one request. */
    public SearchResult search(SearchQuery query) throws IOException {
        List<String> textFields = definition.fields().values().stream()
                .filter(f -> f.valueType() == FieldType.TEXT).map(FieldSpec::name).toList();
        if (query.q() != null && textFields.isEmpty()) {
            throw new IllegalArgumentException("q: read model " + definition.name() + " has no text field");
        }
        BoolQuery.Builder bool = new BoolQuery.Builder();
        bool.filter(f -> f.term(t -> t.field(DELETED).value(false)));
        if (query.q() != null) {
            bool.must(m -> m.multiMatch(mm -> mm.query(query.q()).fields(textFields)
                    .type(TextQueryType.CrossFields).operator(Operator.And)));
        }
        for (Map.Entry<String, String> filter : new java.util.TreeMap<>(query.filters()).entrySet()) {
            FieldValue value = filterValue(filter.getKey(), filter.getValue());
            bool.filter(f -> f.term(t -> t.field(filter.getKey()).value(value)));
        }
        List<SortOptions> sort = new ArrayList<>();
        if (query.sort() != null) {
            String field = sortField(query.sort());
            sort.add(SortOptions.of(s -> s.field(f -> f.field(field)
                    .order(query.desc() ? SortOrder.Desc : SortOrder.Asc))));
        } else if (query.q() != null) {
            sort.add(SortOptions.of(s -> s.score(sc -> sc.order(SortOrder.Desc))));
        }
        sort.add(SortOptions.of(s -> s.field(f -> f.field(KEY).order(SortOrder.Asc)))); // stable pages
        String agg = query.agg() == null ? null : aggField(query.agg());
        Query built = Query.of(q -> q.bool(bool.build()));
        SearchResponse<ExactSource> response;
        try {
            response = client.search(s -> {
                s.index(concreteIndex).query(built).from(query.page() * query.size()).size(query.size())
                        .sort(sort).trackTotalHits(t -> t.enabled(true));
                if (agg != null) {
                    s.aggregations("agg", a -> a.terms(t -> t.field(agg).size(MAX_BUCKETS)));
                }
                return s;
            }, ExactSource.class);
        } catch (ElasticsearchException e) {
            if (ElasticsearchErrors.isMissingIndex(e)) {
                return new SearchResult(0, List.of(), List.of());
            }
            throw e;
        }
        List<SearchHit> hits = new ArrayList<>();
        for (Hit<ExactSource> hit : response.hits().hits()) {
            Map<String, Object> source = hit.source() == null ? Map.of() : hit.source().fields();
            Object key = source.get(KEY);
            hits.add(new SearchHit(key == null ? hit.id() : key.toString(), output(source)));
        }
        long total = response.hits().total() == null ? hits.size() : response.hits().total().value();
        List<Bucket> buckets = new ArrayList<>();
        Aggregate aggregate = response.aggregations().get("agg");
        if (aggregate != null) {
            aggregate.sterms().buckets().array()
                    .forEach(b -> buckets.add(new Bucket(b.key().stringValue(), b.docCount())));
        }
        return new SearchResult(total, hits, buckets);
    }

    private FieldValue filterValue(String field, String value) {
        FieldSpec spec = definition.field(field);
        FieldType type = spec == null ? null : spec.valueType();
        if (type != FieldType.KEYWORD && type != FieldType.LONG && type != FieldType.BOOLEAN) {
            throw new IllegalArgumentException("filters: '" + field + "' is not a keyword, long or boolean field of "
                    + definition.name());
        }
        if (value == null) {
            throw new IllegalArgumentException("filters: '" + field + "' needs a value");
        }
        return switch (type) {
            case LONG -> {
                try {
                    yield FieldValue.of(Long.parseLong(value.strip()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("filters: '" + field + "' takes a whole number");
                }
            }
            case BOOLEAN -> {
                if (!value.equals("true") && !value.equals("false")) {
                    throw new IllegalArgumentException("filters: '" + field + "' takes true or false");
                }
                yield FieldValue.of(Boolean.parseBoolean(value));
            }
            default -> FieldValue.of(value);
        };
    }

    private String sortField(String field) {
        FieldSpec spec = definition.field(field);
        if (spec == null || spec.valueType() == FieldType.OBJECT) {
            throw new IllegalArgumentException("sort: '" + field + "' is not a sortable field of " + definition.name());
        }
        return spec.valueType() == FieldType.TEXT ? field + ".raw" : field;
    }

    private String aggField(String field) {
        FieldSpec spec = definition.field(field);
        if (spec == null || spec.valueType() != FieldType.KEYWORD) {
            throw new IllegalArgumentException("agg: '" + field + "' is not a keyword field of " + definition.name());
        }
        return field;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The projector

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
        public LogPosition checkpoint() throws IOException {
            ensureStarted();
            return probe.checkpoint();
        }

        @Override
        public void apply(EventBatch batch) throws Exception {
            ensureStarted();
            if (!batch.events().isEmpty()) {
                applyEvents(batch.events());
            }
            if (!batch.redelivery()) {
                writeCheckpoint(batch.checkpoint());
            }
        }

        // No partKeys, so the lane writes whole batches, one bulk each: in this machine's runs order-search did not
        // gain from two bulks at once (4,663 events/s against 4,945 and 6,914 without; Elasticsearch's own CPU
        // bounds it). Its optimistic concurrency would make parts safe, should a bigger cluster gain from them.

        /** Deletes this version's index and checkpoint, then creates the index empty. */
        @Override
        public void reset() throws IOException {
            drop();
            start();
        }

        /** Raises the stream record to {@code version} (external versioning: a record already as high stays). */
        /**
         * Deletes the stream's document (its versions go with it) and its stream record, then applies its events as
         * usual. Should the second step fail, the stream has no version left and the next audit finds it missing and
         * applies it again.
         */
        @Override
        public void rewrite(String streamId, EventBatch batch) throws Exception {
            requireStreamId(streamId);
            Rewrites.foldOwn(program, streamId, batch.events());
            ensureStarted();
            client.bulk(b -> b.index(concreteIndex)
                    .operations(o -> o.delete(d -> d.id(streamId)))
                    .operations(o -> o.delete(d -> d.id(RECORD_PREFIX + streamId))));
            apply(batch);
        }

        @Override
        public void recordSkipped(String streamId, long version) throws IOException, ElasticsearchBulkException {
            requireStreamId(streamId);
            if (version < 1) {
                throw new IllegalArgumentException("version must be at least 1, was " + version);
            }
            ensureStarted();
            BulkResponse response = client.bulk(b -> b.index(writeAlias).requireAlias(true)
                    .operations(recordOperation(streamId, version)));
            throwIfFailed(response);
        }

        /** Writes exactly {@code checkpoint}, also backwards (recovery only, with the lane stopped). */
        @Override
        public void overwriteCheckpoint(LogPosition checkpoint) throws IOException {
            ensureStarted();
            writeCheckpoint(checkpoint);
        }

        /**
         * PERMANENT: a {@link ChangeFailure} (the event's), a bulk item failing for the data (e.g. 400), a 4xx
         * request. TRANSIENT: 408, 429, 5xx, a missing index or alias, persistent version conflicts (another writer)
         * and I/O failures.
         */
        @Override
        public FailureKind classify(Throwable failure) {
            for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof ChangeFailure) {
                    return FailureKind.PERMANENT;
                }
                if (t instanceof ElasticsearchBulkException bulk) {
                    return bulk.isTransient() || bulk.failures().stream().allMatch(f -> isMissingAlias(f.type()))
                            ? FailureKind.TRANSIENT : FailureKind.PERMANENT;
                }
                if (t instanceof ElasticsearchException es) {
                    int status = es.status();
                    String type = es.error() == null ? null : es.error().type();
                    return status == 408 || status == 429 || status >= 500
                            || "index_not_found_exception".equals(type) || isMissingAlias(type)
                            ? FailureKind.TRANSIENT : FailureKind.PERMANENT;
                }
            }
            return Projector.super.classify(failure);
        }
    }

    private static boolean isMissingAlias(String errorType) {
        return "index_not_found_exception".equals(errorType) || "aliases_not_found_exception".equals(errorType);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Applying events

    /** An event with its normalized changes, or the failure computing them (thrown unless the event is skipped). */
    private record Prepared(RecordedEvent event, List<Change> changes, ChangeFailure failure) {
    }

    /** The changes one event makes to one document, in order. */
    private record EventChanges(RecordedEvent event, List<Change> changes) {
    }

    /** A document as read and being folded: typed fields, versions, streams, tombstone, concurrency token. */
    private static final class Doc {
        final String key;
        Map<String, Object> fields = new LinkedHashMap<>();
        final Map<String, Long> versions = new LinkedHashMap<>();
        final Set<String> streams = new LinkedHashSet<>();
        boolean deleted;
        Long seqNo;
        Long primaryTerm;

        Doc(String key) {
            this.key = key;
        }

        Doc copy() {
            Doc copy = new Doc(key);
            copy.fields = new LinkedHashMap<>(fields);
            copy.versions.putAll(versions);
            copy.streams.addAll(streams);
            copy.deleted = deleted;
            copy.seqNo = seqNo;
            copy.primaryTerm = primaryTerm;
            return copy;
        }
    }

    /** What one {@code _mget} found: documents by key and stream records' versions by stream. */
    private record Read(Map<String, Doc> documents, Map<String, Long> records) {
    }

    private void applyEvents(List<RecordedEvent> events) throws Exception {
        if (program.usesDocument()) {
            applyReadingDocuments(events);
            return;
        }
        List<Prepared> prepared = new ArrayList<>(events.size());
        Set<String> keys = new LinkedHashSet<>();
        Set<String> streams = new LinkedHashSet<>();
        for (RecordedEvent event : events) {
            Prepared p = prepare(event);
            prepared.add(p);
            streams.add(event.streamId());
            for (Change change : p.changes()) {
                keys.add(keyOf(change));
            }
        }
        Read read = read(keys, streams);

        Map<String, List<EventChanges>> byKey = new LinkedHashMap<>();
        Map<String, Long> unchangedStreams = new LinkedHashMap<>();
        for (Prepared p : prepared) {
            RecordedEvent event = p.event();
            if (event.version() <= read.records().getOrDefault(event.streamId(), 0L)) {
                continue; // skipped by an admin, or applied without changes: nothing to do
            }
            if (p.failure() != null) {
                throw p.failure();
            }
            group(byKey, unchangedStreams, event, p.changes());
        }
        write(byKey, read.documents(), unchangedStreams);
    }

    /** Adds an event's changes to the changes by key, or its version to the streams it leaves without changes. */
    private static void group(Map<String, List<EventChanges>> byKey, Map<String, Long> unchangedStreams,
                              RecordedEvent event, List<Change> changes) {
        if (changes.isEmpty()) {
            unchangedStreams.merge(event.streamId(), event.version(), Math::max);
            return;
        }
        for (Change change : changes) {
            List<EventChanges> list = byKey.computeIfAbsent(keyOf(change), k -> new ArrayList<>());
            if (!list.isEmpty() && list.get(list.size() - 1).event() == event) {
                list.get(list.size() - 1).changes().add(change);
            } else {
                List<Change> eventChanges = new ArrayList<>();
                eventChanges.add(change);
                list.add(new EventChanges(event, eventChanges));
            }
        }
    }

    /**
     * A batch of a program that reads {@code doc}. One {@code _mget} reads the documents of the events' keys and the
     * stream records; the events to apply are those above their stream record and above the version of their stream
     * in their key's document (an event already in its document is not folded again). {@link DocumentFolding}
     * computes their changes against the documents of that same read (a key only an action names is read when the
     * fold first needs it), and the documents written are folded from that read, so a document changed in between
     * by another writer is a version conflict. A conflict on a document some event's changes were computed from
     * makes the whole batch read, computed and written again (bounded); a conflict on a document only written to is
     * read and folded again as in the path without {@code doc}.
     */
    private void applyReadingDocuments(List<RecordedEvent> events) throws Exception {
        for (int attempt = 1; attempt <= MAX_CONFLICT_ATTEMPTS; attempt++) {
            Set<String> stale = tryApplyReadingDocuments(events);
            if (stale.isEmpty()) {
                return;
            }
            conflictRetries.addAndGet(stale.size());
        }
        throw new IOException("version conflicts persisted on documents read by " + definition.name() + " in "
                + concreteIndex + " after " + MAX_CONFLICT_ATTEMPTS + " attempts (another writer?)");
    }

    /** @return the keys whose documents changed under the changes computed from them (then try again); else empty */
    private Set<String> tryApplyReadingDocuments(List<RecordedEvent> events) throws Exception {
        List<String> eventKeys = new ArrayList<>(events.size());
        List<ChangeFailure> keyFailures = new ArrayList<>(events.size());
        Set<String> keys = new LinkedHashSet<>();
        Set<String> streams = new LinkedHashSet<>();
        for (RecordedEvent event : events) {
            streams.add(event.streamId());
            String key = null;
            ChangeFailure keyFailure = null;
            try {
                key = program.keyOf(event);
                checkKey(key);
                keys.add(key);
            } catch (ChangeFailure failure) {
                keyFailure = failure;
            } catch (IllegalArgumentException e) {
                keyFailure = failure(event, e.getMessage(), e);
            }
            eventKeys.add(keyFailure == null ? key : null);
            keyFailures.add(keyFailure);
        }
        Read read = read(keys, streams);
        Map<String, Doc> documents = new HashMap<>(read.documents());
        Set<String> readKeys = new HashSet<>(keys);

        List<RecordedEvent> toApply = new ArrayList<>(events.size());
        Set<String> computedFrom = new HashSet<>();
        for (int i = 0; i < events.size(); i++) {
            RecordedEvent event = events.get(i);
            if (event.version() <= read.records().getOrDefault(event.streamId(), 0L)) {
                continue; // skipped by an admin, or applied without changes
            }
            if (keyFailures.get(i) != null) {
                throw keyFailures.get(i);
            }
            Doc doc = documents.get(eventKeys.get(i));
            if (doc != null && event.version() <= doc.versions.getOrDefault(event.streamId(), 0L)) {
                continue; // already in its document: a replay or a duplicate, not folded again
            }
            toApply.add(event);
            computedFrom.add(eventKeys.get(i));
        }
        if (toApply.isEmpty()) {
            return Set.of();
        }

        DocumentFolding.DocumentLoader loader = wanted -> {
            Set<String> missing = new LinkedHashSet<>(wanted);
            missing.removeAll(readKeys);
            if (!missing.isEmpty()) {
                documents.putAll(read(missing, Set.of()).documents());
                readKeys.addAll(missing);
            }
            Map<String, Map<String, Object>> found = new HashMap<>();
            for (String key : wanted) {
                Doc doc = documents.get(key);
                if (doc != null && !doc.deleted) {
                    found.put(key, java.util.Collections.unmodifiableMap(doc.fields));
                }
            }
            return found;
        };
        List<List<Change>> changes;
        try {
            changes = DocumentFolding.changes(normalizing, toApply, loader);
        } catch (ArithmeticException | ClassCastException e) {
            String source = definition.source() == null ? definition.name() : definition.source();
            throw new ChangeFailure(source + ": folding the documents of the batch: " + e.getMessage(), e);
        }

        Map<String, List<EventChanges>> byKey = new LinkedHashMap<>();
        Map<String, Long> unchangedStreams = new LinkedHashMap<>();
        for (int i = 0; i < toApply.size(); i++) {
            group(byKey, unchangedStreams, toApply.get(i), changes.get(i));
        }
        Set<String> unread = new LinkedHashSet<>(byKey.keySet());
        unread.removeAll(readKeys); // documents only deleted: the fold did not need them
        if (!unread.isEmpty()) {
            documents.putAll(read(unread, Set.of()).documents());
        }
        Set<String> stale = writeDocuments(byKey, documents, computedFrom);
        if (!stale.isEmpty()) {
            return stale;
        }
        writeRecords(unchangedStreams);
        return Set.of();
    }

    /**
     * The program with its changes checked and normalized as {@link #prepare} does (a problem is the event's
     * {@link ChangeFailure}), so that {@link DocumentFolding} folds the typed values this writer stores.
     */
    private final class NormalizingProgram implements ReadModelProgram {

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
        public String keyOf(RecordedEvent event) throws ChangeFailure {
            return program.keyOf(event);
        }

        @Override
        public List<Change> changes(RecordedEvent event) throws ChangeFailure {
            return normalized(event, program.changes(event));
        }

        @Override
        public List<Change> changes(RecordedEvent event, Map<String, Object> document) throws ChangeFailure {
            return normalized(event, program.changes(event, document));
        }

        private List<Change> normalized(RecordedEvent event, List<Change> changes) throws ChangeFailure {
            try {
                List<Change> normalized = new ArrayList<>(changes.size());
                for (Change change : changes) {
                    normalized.add(normalize(change));
                }
                return normalized;
            } catch (IllegalArgumentException e) {
                throw failure(event, e.getMessage(), e);
            }
        }
    }

    /** The event's changes, checked and normalized to the declared types; a failure is kept, not thrown yet. */
    private Prepared prepare(RecordedEvent event) {
        try {
            List<Change> changes = program.changes(event);
            List<Change> normalized = new ArrayList<>(changes.size());
            for (Change change : changes) {
                normalized.add(normalize(change));
            }
            return new Prepared(event, normalized, null);
        } catch (ChangeFailure failure) {
            return new Prepared(event, List.of(), failure);
        } catch (IllegalArgumentException e) {
            return new Prepared(event, List.of(), failure(event, e.getMessage(), e));
        }
    }

    private ChangeFailure failure(RecordedEvent event, String message, Throwable cause) {
        String source = definition.source() == null ? definition.name() : definition.source();
        return new ChangeFailure(source + ": " + event.type() + " " + event.streamId() + "@" + event.version() + ": "
                + message, cause);
    }

    private Change normalize(Change change) {
        if (change instanceof DocumentChange document) {
            checkKey(document.key());
            List<FieldOp> ops = new ArrayList<>(document.ops().size());
            for (FieldOp op : document.ops()) {
                ops.add(normalize(op));
            }
            return new DocumentChange(document.key(), ops);
        }
        if (change instanceof DeleteDocument delete) {
            checkKey(delete.key());
            return delete;
        }
        throw new IllegalArgumentException("the elasticsearch store does not support "
                + change.getClass().getSimpleName() + " changes");
    }

    private FieldOp normalize(FieldOp op) {
        FieldSpec spec = definition.field(op.field());
        if (spec == null) {
            throw new IllegalArgumentException("field " + op.field() + " is not declared");
        }
        if (op instanceof FieldOp.Set set) {
            return new FieldOp.Set(set.field(), DefinedValues.normalizeField(spec, set.value()));
        }
        if (op instanceof FieldOp.Unset) {
            return op;
        }
        if (op instanceof FieldOp.Increment increment) {
            return new FieldOp.Increment(increment.field(), DefinedValues.normalizeDelta(spec, increment.delta()));
        }
        if (!spec.type().collection()) {
            throw new IllegalArgumentException("field " + spec.name() + " is a " + spec.type().id()
                    + ", not a set or list");
        }
        if (op instanceof FieldOp.AddToSet add) {
            return new FieldOp.AddToSet(add.field(), DefinedValues.normalizeScalar(spec, add.value()));
        }
        if (op instanceof FieldOp.Remove remove) {
            return new FieldOp.Remove(remove.field(), DefinedValues.normalizeScalar(spec, remove.value()));
        }
        if (op instanceof FieldOp.Append append) {
            return new FieldOp.Append(append.field(), DefinedValues.normalizeScalar(spec, append.value()));
        }
        throw new IllegalArgumentException("unknown field operation " + op);
    }

    private static void checkKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("a document key must not be empty");
        }
        if (key.startsWith(RESERVED_KEY_PREFIX)) {
            throw new IllegalArgumentException("document key '" + key + "' starts with the reserved 'projhub:'");
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
            throw new IllegalArgumentException("a document key must be at most " + MAX_ID_BYTES + " bytes");
        }
    }

    private static String keyOf(Change change) {
        return change instanceof DocumentChange d ? d.key() : ((DeleteDocument) change).key();
    }

    /** Documents of {@code keys} and the records of {@code streams}, in one real-time {@code _mget}. */
    private Read read(Set<String> keys, Set<String> streams) throws IOException {
        Map<String, Doc> documents = new HashMap<>();
        Map<String, Long> records = new HashMap<>();
        List<String> ids = new ArrayList<>(keys.size() + streams.size());
        ids.addAll(keys);
        streams.forEach(s -> ids.add(RECORD_PREFIX + s));
        if (ids.isEmpty()) {
            return new Read(documents, records);
        }
        MgetResponse<ExactSource> found = client.mget(m -> m.index(concreteIndex).ids(ids), ExactSource.class);
        for (MultiGetResponseItem<ExactSource> item : found.docs()) {
            if (item.isFailure()) {
                throw new IOException("mget of " + item.failure().id() + " in " + concreteIndex + " failed: "
                        + item.failure().error().reason());
            }
            GetResult<ExactSource> result = item.result();
            if (!result.found() || result.source() == null) {
                continue;
            }
            Map<String, Object> source = result.source().fields();
            if (result.id().startsWith(RECORD_PREFIX)) {
                String stream = result.id().substring(RECORD_PREFIX.length());
                records.put(stream, versionsOf(source).getOrDefault(stream, 0L));
            } else {
                documents.put(result.id(), toDoc(result.id(), source, result.seqNo(), result.primaryTerm()));
            }
        }
        return new Read(documents, records);
    }

    private Doc toDoc(String key, Map<String, Object> source, Long seqNo, Long primaryTerm) {
        Doc doc = new Doc(key);
        for (FieldSpec spec : definition.fields().values()) {
            Object typed = DefinedValues.fromStored(spec, source.get(spec.name()));
            if (typed != null) {
                doc.fields.put(spec.name(), typed);
            }
        }
        doc.versions.putAll(versionsOf(source));
        if (source.get(STREAMS) instanceof List<?> list) {
            list.forEach(s -> doc.streams.add(String.valueOf(s)));
        }
        doc.deleted = isDeleted(source);
        doc.seqNo = seqNo;
        doc.primaryTerm = primaryTerm;
        return doc;
    }

    private static Map<String, Long> versionsOf(Map<String, Object> source) {
        Map<String, Long> versions = new LinkedHashMap<>();
        if (source.get(VERSIONS) instanceof Map<?, ?> map) {
            map.forEach((stream, version) -> {
                if (version instanceof Number n) {
                    versions.put(String.valueOf(stream), n.longValue());
                }
            });
        }
        return versions;
    }

    private static boolean isDeleted(Map<String, Object> source) {
        return Boolean.TRUE.equals(source.get(DELETED));
    }

    /**
     * Folds and writes each key's changes in one {@code _bulk}; keys that hit a version conflict are read, folded and
     * written again. Then raises the stream records of {@code unchangedStreams}, only once every document is written
     * (a record makes a stream's events up to it count as applied).
     */
    private void write(Map<String, List<EventChanges>> byKey, Map<String, Doc> documents,
                       Map<String, Long> unchangedStreams) throws Exception {
        writeDocuments(byKey, documents, Set.of());
        writeRecords(unchangedStreams);
    }

    private void writeRecords(Map<String, Long> unchangedStreams) throws IOException, ElasticsearchBulkException {
        if (!unchangedStreams.isEmpty()) {
            List<BulkOperation> operations = new ArrayList<>();
            unchangedStreams.forEach((stream, version) -> operations.add(recordOperation(stream, version)));
            throwIfFailed(client.bulk(b -> b.index(writeAlias).requireAlias(true).operations(operations)));
        }
    }

    /**
     * @param computedFrom keys whose documents the changes were computed from: a conflict on one of them is returned
     *                     (the changes must be computed again) instead of being read and folded again
     * @return the conflicting keys of {@code computedFrom}; empty once every document is written
     */
    private Set<String> writeDocuments(Map<String, List<EventChanges>> byKey, Map<String, Doc> documents,
                                       Set<String> computedFrom) throws Exception {
        Map<String, Doc> current = documents;
        Set<String> pending = byKey.keySet();
        for (int attempt = 1; attempt <= MAX_CONFLICT_ATTEMPTS; attempt++) {
            List<BulkOperation> operations = new ArrayList<>();
            List<String> operationKeys = new ArrayList<>();
            for (String key : pending) {
                Doc base = current.getOrDefault(key, new Doc(key));
                Doc folded = fold(base, byKey.get(key));
                if (folded != null) {
                    operations.add(documentOperation(folded));
                    operationKeys.add(key);
                }
            }
            if (operations.isEmpty()) {
                return Set.of();
            }
            BulkResponse response = client.bulk(b -> b.index(writeAlias).requireAlias(true).operations(operations));
            Set<String> conflicts = new LinkedHashSet<>();
            if (response.errors()) {
                List<BulkResponseItem> items = response.items();
                for (int i = 0; i < items.size(); i++) {
                    if (items.get(i).status() == 409) {
                        conflicts.add(operationKeys.get(i));
                    }
                }
            }
            throwIfFailed(response); // not the 409s: those keys are read and folded again
            if (conflicts.isEmpty()) {
                return Set.of();
            }
            Set<String> stale = new LinkedHashSet<>(conflicts);
            stale.retainAll(computedFrom);
            if (!stale.isEmpty()) {
                return stale;
            }
            conflictRetries.addAndGet(conflicts.size());
            current = read(conflicts, Set.of()).documents();
            pending = conflicts;
        }
        throw new IOException("version conflicts persisted on " + pending.size() + " document(s) of " + concreteIndex
                + " after " + MAX_CONFLICT_ATTEMPTS + " attempts (another writer?)");
    }

    /** The document after the events it has not applied yet; null if it already holds them all. */
    private Doc fold(Doc base, List<EventChanges> changes) throws ChangeFailure {
        Doc doc = base.copy();
        boolean changed = false;
        for (EventChanges eventChanges : changes) {
            RecordedEvent event = eventChanges.event();
            if (event.version() <= doc.versions.getOrDefault(event.streamId(), 0L)) {
                continue; // already in this document: a replay or a duplicate
            }
            for (Change change : eventChanges.changes()) {
                if (change instanceof DocumentChange documentChange) {
                    if (doc.deleted) {
                        doc.fields = new LinkedHashMap<>();
                        doc.deleted = false;
                    }
                    try {
                        doc.fields = DocumentFold.apply(doc.fields, documentChange.ops());
                    } catch (ArithmeticException | ClassCastException e) {
                        throw failure(event, "document " + doc.key + ": " + e.getMessage(), e);
                    }
                } else {
                    doc.fields = new LinkedHashMap<>();
                    doc.deleted = true;
                }
            }
            doc.versions.put(event.streamId(), event.version());
            doc.streams.add(event.streamId());
            changed = true;
        }
        return changed ? doc : null;
    }

    private BulkOperation documentOperation(Doc doc) {
        Map<String, Object> source = new LinkedHashMap<>();
        if (!doc.deleted) {
            for (FieldSpec spec : definition.fields().values()) {
                Object typed = doc.fields.get(spec.name());
                if (typed != null) {
                    source.put(spec.name(), DefinedValues.toStored(spec, typed));
                }
            }
        }
        source.put(KEY, doc.key);
        source.put(STREAMS, List.copyOf(doc.streams));
        source.put(VERSIONS, new LinkedHashMap<>(doc.versions));
        source.put(DELETED, doc.deleted);
        if (doc.seqNo == null) {
            return BulkOperation.of(op -> op.create(c -> c.id(doc.key).document(source)));
        }
        return BulkOperation.of(op -> op.index(i -> i.id(doc.key).ifSeqNo(doc.seqNo).ifPrimaryTerm(doc.primaryTerm)
                .document(source)));
    }

    /** A stream record raised to {@code version}: external versioning, so a record as high or higher stays (409). */
    private static BulkOperation recordOperation(String streamId, long version) {
        String id = RECORD_PREFIX + streamId;
        Map<String, Object> source = new LinkedHashMap<>();
        source.put(KEY, id);
        source.put(STREAMS, List.of(streamId));
        source.put(VERSIONS, Map.of(streamId, version));
        source.put(DELETED, true);
        return BulkOperation.of(op -> op.index(i -> i.id(id).version(version).versionType(VersionType.External)
                .document(source)));
    }

    /** Throws the failed items of a {@code _bulk} other than version conflicts (409). */
    private static void throwIfFailed(BulkResponse response) throws ElasticsearchBulkException {
        if (!response.errors()) {
            return;
        }
        List<ElasticsearchBulkException.ItemFailure> failures = new ArrayList<>();
        for (BulkResponseItem item : response.items()) {
            if (item.error() != null && item.status() != 409) {
                failures.add(new ElasticsearchBulkException.ItemFailure(item.id(), item.status(), item.error().type(),
                        item.error().reason()));
            }
        }
        if (!failures.isEmpty()) {
            throw new ElasticsearchBulkException(failures);
        }
    }

    /** A stored {@code _source}'s declared fields, typed like {@link #document}. */
    Map<String, Object> typed(Map<String, Object> source) {
        return output(source);
    }

    /** The declared fields of a stored document, typed for callers. */
    private Map<String, Object> output(Map<String, Object> source) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (FieldSpec spec : definition.fields().values()) {
            Object typed = DefinedValues.fromStored(spec, source.get(spec.name()));
            if (typed != null) {
                out.put(spec.name(), DefinedValues.toOutput(typed));
            }
        }
        return out;
    }

    private static void requireStreamId(String streamId) {
        if (streamId == null || !STREAM_ID.matcher(streamId).matches()) {
            throw new IllegalArgumentException("streamId must match " + EventStore.STREAM_ID_PATTERN);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Checkpoint

    private void writeCheckpoint(LogPosition checkpoint) throws IOException {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("name", definition.name());
        document.put("version", definition.version());
        document.put("txId", checkpoint.txId());
        document.put("position", checkpoint.position());
        document.put("hash", program.hash());
        client.index(i -> i.index(checkpointIndex).id(checkpointId).document(document));
    }

    /** The checkpoint document's fields, null if there is none (or no index yet). */
    private Map<String, Object> readCheckpoint() throws IOException {
        try {
            GetResponse<ExactSource> found = client.get(g -> g.index(checkpointIndex).id(checkpointId),
                    ExactSource.class);
            return found.found() && found.source() != null ? found.source().fields() : null;
        } catch (ElasticsearchException e) {
            if (ElasticsearchErrors.isMissingIndex(e)) {
                return null;
            }
            throw e;
        }
    }

    private void deleteCheckpoint() throws IOException {
        if (!client.indices().exists(e -> e.index(checkpointIndex)).value()) {
            return;
        }
        // A bulk delete: a missing document is an item answered 404, not an exception.
        BulkResponse response = client.bulk(b -> b.index(checkpointIndex)
                .operations(op -> op.delete(d -> d.id(checkpointId))));
        for (BulkResponseItem item : response.items()) {
            if (item.error() != null && item.status() != 404) {
                throw new IOException("deleting checkpoint " + checkpointId + " failed: " + item.error().reason());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The probe

    private final class DefinedProbe implements ReadModelProbe {

        @Override
        public String name() {
            return definition.name();
        }

        @Override
        public LogPosition checkpoint() throws IOException {
            Map<String, Object> checkpoint = readCheckpoint();
            if (checkpoint == null || !(checkpoint.get("txId") instanceof Number txId)
                    || !(checkpoint.get("position") instanceof Number position)) {
                return LogPosition.START;
            }
            return new LogPosition(txId.longValue(), position.longValue());
        }

        /**
         * The highest {@code projhub_versions[streamId]} of the documents and the stream record fed by the stream (a
         * term query on {@code projhub_streams}, tombstones included), as of the last refresh; 0 if none.
         */
        @Override
        public long appliedVersion(String streamId) throws IOException {
            requireStreamId(streamId);
            long max = 0;
            List<FieldValue> after = null;
            while (true) {
                List<FieldValue> searchAfter = after;
                SearchResponse<ExactSource> response;
                try {
                    response = client.search(s -> {
                        s.index(concreteIndex)
                                .query(q -> q.term(t -> t.field(STREAMS).value(streamId)))
                                .source(src -> src.filter(f -> f.includes(VERSIONS)))
                                .sort(so -> so.field(f -> f.field(KEY).order(SortOrder.Asc)))
                                .size(PROBE_PAGE)
                                .trackTotalHits(t -> t.enabled(false));
                        if (searchAfter != null) {
                            s.searchAfter(searchAfter);
                        }
                        return s;
                    }, ExactSource.class);
                } catch (ElasticsearchException e) {
                    if (ElasticsearchErrors.isMissingIndex(e)) {
                        return 0;
                    }
                    throw e;
                }
                List<Hit<ExactSource>> hits = response.hits().hits();
                for (Hit<ExactSource> hit : hits) {
                    if (hit.source() != null) {
                        max = Math.max(max, versionsOf(hit.source().fields()).getOrDefault(streamId, 0L));
                    }
                }
                if (hits.size() < PROBE_PAGE) {
                    return max;
                }
                after = hits.get(hits.size() - 1).sort();
            }
        }

        /** One terms query on {@code projhub_streams} (paged by key) for all of {@code streamIds}; as of the last refresh. */
        @Override
        public Map<String, Long> appliedVersions(java.util.Collection<String> streamIds) throws IOException {
            Map<String, Long> answer = new LinkedHashMap<>();
            for (String streamId : streamIds) {
                requireStreamId(streamId);
                answer.put(streamId, 0L);
            }
            if (answer.isEmpty()) {
                return answer;
            }
            List<FieldValue> terms = answer.keySet().stream().map(FieldValue::of).toList();
            String after = null;
            while (true) {
                List<Hit<ExactSource>> hits = page(q -> q.terms(t -> t.field(STREAMS).terms(v -> v.value(terms))),
                        after);
                if (hits == null) {
                    return answer;
                }
                for (Hit<ExactSource> hit : hits) {
                    if (hit.source() != null) {
                        versionsOf(hit.source().fields()).forEach((stream, version) ->
                                answer.computeIfPresent(stream, (s, known) -> Math.max(known, version)));
                    }
                }
                if (hits.size() < PROBE_PAGE) {
                    return answer;
                }
                after = lastKey(hits);
            }
        }

        /** A page of every document and stream record, by key; a stream fed into several may show on several pages. */
        @Override
        public io.projhub.core.projection.RecordedStreams recordedStreams(String cursor, int limit) throws IOException {
            List<Hit<ExactSource>> hits = page(q -> q.matchAll(m -> m), cursor);
            Map<String, Long> versions = new LinkedHashMap<>();
            if (hits == null) {
                return new io.projhub.core.projection.RecordedStreams(versions, null);
            }
            for (Hit<ExactSource> hit : hits) {
                if (hit.source() != null) {
                    versionsOf(hit.source().fields()).forEach((stream, version) -> versions.merge(stream, version,
                            Math::max));
                }
            }
            return new io.projhub.core.projection.RecordedStreams(versions,
                    hits.size() < PROBE_PAGE ? null : lastKey(hits));
        }

        /** Null if the index does not exist. */
        private List<Hit<ExactSource>> page(
                java.util.function.Function<co.elastic.clients.elasticsearch._types.query_dsl.Query.Builder,
                        co.elastic.clients.util.ObjectBuilder<co.elastic.clients.elasticsearch._types.query_dsl.Query>>
                        query, String after) throws IOException {
            try {
                return client.search(s -> {
                    s.index(concreteIndex)
                            .query(query)
                            .source(src -> src.filter(f -> f.includes(VERSIONS, KEY)))
                            .sort(so -> so.field(f -> f.field(KEY).order(SortOrder.Asc)))
                            .size(PROBE_PAGE)
                            .trackTotalHits(t -> t.enabled(false));
                    if (after != null) {
                        s.searchAfter(FieldValue.of(after));
                    }
                    return s;
                }, ExactSource.class).hits().hits();
            } catch (ElasticsearchException e) {
                if (ElasticsearchErrors.isMissingIndex(e)) {
                    return null;
                }
                throw e;
            }
        }

        private static String lastKey(List<Hit<ExactSource>> hits) {
            return hits.get(hits.size() - 1).sort().get(0).stringValue();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Indices

    private void ensureStarted() throws IOException {
        if (!ready) {
            start();
        }
    }

    private void ensureIndices() throws IOException {
        if (!client.indices().exists(e -> e.index(concreteIndex)).value()) {
            boolean aliasFree = !client.indices().existsAlias(a -> a.name(alias)).value();
            try {
                createDocumentIndex(aliasFree, true);
            } catch (ElasticsearchException e) {
                if (isMissingScaledFloat(e)) {
                    // A distribution without the mapper-extras module: decimals are indexed as doubles (sorting and
                    // ranges only; the exact value stays the decimal string in _source).
                    createDocumentIndex(aliasFree, false);
                } else {
                    throw e;
                }
            }
        }
        if (!client.indices().existsAlias(a -> a.name(writeAlias)).value()) {
            client.indices().putAlias(a -> a.index(concreteIndex).name(writeAlias));
        }
        if (!client.indices().exists(e -> e.index(checkpointIndex)).value()) {
            ignoreAlreadyExists(() -> client.indices().create(c -> c
                    .withJson(new StringReader(CHECKPOINT_INDEX)).index(checkpointIndex)));
        }
    }

    private void createDocumentIndex(boolean withAlias, boolean scaledFloat) throws IOException {
        String json = JSON.writeValueAsString(indexDefinition(scaledFloat));
        ignoreAlreadyExists(() -> client.indices().create(c -> {
            c.withJson(new StringReader(json)).index(concreteIndex).aliases(writeAlias, a -> a);
            if (withAlias) {
                c.aliases(alias, a -> a);
            }
            return c;
        }));
    }

    private static boolean isMissingScaledFloat(ElasticsearchException e) {
        return e.error() != null && "mapper_parsing_exception".equals(e.error().type())
                && e.error().reason() != null && e.error().reason().contains("scaled_float");
    }

    /** The settings and strict mapping of this version's index. */
    Map<String, Object> indexDefinition(boolean scaledFloat) {
        Map<String, Object> properties = new LinkedHashMap<>();
        for (FieldSpec spec : definition.fields().values()) {
            properties.put(spec.name(), fieldMapping(spec, scaledFloat));
        }
        properties.put(KEY, Map.of("type", "keyword"));
        properties.put(STREAMS, Map.of("type", "keyword"));
        properties.put(VERSIONS, Map.of("type", "object", "enabled", false));
        properties.put(DELETED, Map.of("type", "boolean"));
        Map<String, Object> mappings = new LinkedHashMap<>();
        mappings.put("dynamic", "strict");
        mappings.put("properties", properties);
        return Map.of("settings", Map.of("index", Map.of("auto_expand_replicas", "0-1")), "mappings", mappings);
    }

    private static Map<String, Object> fieldMapping(FieldSpec spec, boolean scaledFloat) {
        return switch (spec.valueType()) {
            case KEYWORD -> Map.of("type", "keyword");
            case TEXT -> Map.of("type", "text",
                    "fields", Map.of("raw", Map.of("type", "keyword", "ignore_above", 1024)));
            case LONG -> Map.of("type", "long");
            case DOUBLE -> Map.of("type", "double");
            case DECIMAL -> scaledFloat
                    ? Map.of("type", "scaled_float", "scaling_factor", Math.pow(10, spec.scale()))
                    : Map.of("type", "double");
            case BOOLEAN -> Map.of("type", "boolean");
            case TIMESTAMP -> Map.of("type", "date");
            case OBJECT -> Map.of("type", "object", "enabled", false);
            default -> throw new IllegalArgumentException("field " + spec.name() + ": no mapping for "
                    + spec.valueType().id());
        };
    }

    private static final String CHECKPOINT_INDEX = """
            {
              "settings": { "index": { "auto_expand_replicas": "0-1" } },
              "mappings": {
                "dynamic": "strict",
                "properties": {
                  "name":     { "type": "keyword" },
                  "version":  { "type": "long" },
                  "txId":     { "type": "long" },
                  "position": { "type": "long" },
                  "hash":     { "type": "keyword" }
                }
              }
            }
            """;

    private interface Creation {
        void run() throws IOException;
    }

    private static void ignoreAlreadyExists(Creation creation) throws IOException {
        try {
            creation.run();
        } catch (ElasticsearchException e) {
            if (e.error() == null || !"resource_already_exists_exception".equals(e.error().type())) {
                throw e;
            }
        }
    }
}
