package io.projhub.projectors.neo4j;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.TransactionContext;
import org.neo4j.driver.Value;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.Neo4jException;
import org.neo4j.driver.exceptions.RetryableException;
import org.neo4j.driver.exceptions.SecurityException;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.neo4j.driver.exceptions.SessionExpiredException;
import org.neo4j.driver.exceptions.TransientException;
import org.neo4j.driver.types.Node;
import org.neo4j.driver.types.Relationship;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.PartKeys;
import io.projhub.core.projection.Projector;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.ReadModelDefinition;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.definitions.StoreKind;
import io.projhub.definitions.changes.Change;
import io.projhub.definitions.changes.ChangeKeys;
import io.projhub.definitions.changes.DeleteDocument;
import io.projhub.definitions.changes.DocumentChange;
import io.projhub.definitions.changes.DocumentFold;
import io.projhub.definitions.changes.DocumentFolding;
import io.projhub.definitions.changes.FieldOp;
import io.projhub.definitions.changes.NodeChange;
import io.projhub.definitions.changes.RelationshipChange;
import io.projhub.definitions.DefinedReadModel;
import io.projhub.definitions.audit.Rewrites;
import io.projhub.definitions.audit.StreamFold;

/**
 * A read model of a definition file in Neo4j 5.
 *
 * <p><b>Layout.</b> Every node of the read model carries the marker property {@code projhub_rm} =
 * {@code <namespace><name>:v<version>} (so that two versions, or two hubs sharing a server, live side by side and
 * {@link Projector#reset()} removes only this read model's nodes), the key property {@code key}, and the label
 * {@code ProjhubDefined} (indexed on {@code projhub_rm}, for reset and drop). A document is a node with the target's
 * labels ({@code target.labels}; MERGE looks it up by the first one, which has a uniqueness constraint on
 * {@code (projhub_rm, key)}) and one property per field (see {@link Neo4jDefinedValues}: decimals as exact strings,
 * timestamps as DateTime, sets and lists as lists, objects as JSON). A relationship is
 * {@code (document)-[:TYPE {stream, ...properties}]->(:ToLabel {key, projhub_rm, ...toProperties})}: the end node
 * is merged (a placeholder if not seen yet, with a uniqueness constraint created for its label when first met) and
 * the relationship belongs to the stream of the event that made it: a delete, or a deleted document, removes only
 * that stream's relationships. The version of each stream is a {@code (:ProjhubDefinedVersion {rm, stream, version})}
 * node and the checkpoint a {@code (:ProjhubDefinedCheckpoint {rm, txId, position, hash, name, version})} node.
 *
 * <p><b>Apply.</b> The program runs on every event of the batch before the transaction (a failure is kept and thrown
 * only if its event turns out to be applicable). Then one write transaction: a first statement locks the
 * checkpoint node (so two writers of this read model serialize) and reads the recorded versions of the batch's
 * streams and the current properties of the documents it changes; Java decides which events apply (version above the
 * recorded one) and folds their field changes in memory ({@link DocumentFold}, decimals exact); a second statement
 * writes everything with {@code UNWIND}s: each changed document once (CREATE for a node that did not exist, MERGE
 * and {@code SET +=} of the changed fields otherwise), one {@code UNWIND ... MERGE} per relationship kind, the new
 * stream versions and the checkpoint with
 * the program's hash (never moved backwards). Two round trips per batch. A part of a batch ({@link
 * EventBatch#part}, written at the same time as the batch's other parts by a lane that splits its writes by
 * {@link Projector#partKeys}) neither locks nor writes the checkpoint. A batch that deletes documents or
 * relationships runs its relationship changes and deletions first, row by row in event order (each row a CALL
 * subquery, which sees the previous rows' writes), then writes its documents.
 *
 * <p><b>A program that reads {@code doc}</b> ({@link ReadModelProgram#usesDocument()}) cannot run before the
 * transaction: there the first statement also reads the documents of the events' keys ({@link
 * ReadModelProgram#keyOf}), Java picks the events that apply and computes their changes with {@link DocumentFolding}
 * against those documents (folded through the batch), its loader answering from what the first statement read; a
 * document an action names under another key is read by one more statement in the same transaction. The
 * documents then fold and are written as above: still two round trips for the usual batch. A relationship to a label
 * not constrained yet rolls the transaction back, creates the constraint and runs it again (once per label).
 *
 * <p>A deleted document ({@link DeleteDocument}) loses the relationships its event's stream created; the node is
 * removed if none is left, else (another stream's relationship still points at it) it stays as a placeholder with
 * only its key. Supported changes: {@link DocumentChange} (every {@link FieldOp}), {@link DeleteDocument},
 * {@link RelationshipChange}; any other kind is a {@link ChangeFailure} of its event.
 */
public final class Neo4jDefinedReadModel implements DefinedReadModel {

    /** The label of every node of every defined read model, indexed on {@link #MARKER}. */
    public static final String NODE_LABEL = "ProjhubDefined";
    public static final String VERSION_LABEL = "ProjhubDefinedVersion";
    public static final String CHECKPOINT_LABEL = "ProjhubDefinedCheckpoint";
    /** The property naming the read model (and version) a node belongs to. */
    public static final String MARKER = "projhub_rm";
    public static final String KEY = "key";
    /** The relationship property naming the stream that created it. */
    public static final String STREAM = "stream";

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
    private static final Set<String> RESERVED_LABELS = Set.of(NODE_LABEL, VERSION_LABEL, CHECKPOINT_LABEL,
            "ProjhubCheckpoint", "ProjhubSkippedVersion");
    private static final Set<String> RESERVED_PROPERTIES = Set.of(KEY, MARKER);
    private static final int DELETE_CHUNK = 5000;

    private static final SessionConfig READ = SessionConfig.builder().withDefaultAccessMode(AccessMode.READ).build();
    private static final SessionConfig WRITE = SessionConfig.builder().withDefaultAccessMode(AccessMode.WRITE).build();

    /** Schema commands take no parameters; these hold no data, and labels are validated identifiers. */
    private static final List<String> BASE_SCHEMA = List.of(
            "CREATE CONSTRAINT projhub_defined_checkpoint_rm IF NOT EXISTS FOR (n:" + CHECKPOINT_LABEL
                    + ") REQUIRE n.rm IS UNIQUE",
            "CREATE CONSTRAINT projhub_defined_version_stream IF NOT EXISTS FOR (n:" + VERSION_LABEL
                    + ") REQUIRE (n.rm, n.stream) IS UNIQUE",
            "CREATE INDEX projhub_defined_rm IF NOT EXISTS FOR (n:" + NODE_LABEL + ") ON (n." + MARKER + ")");

    private static final String LOCK_CHECKPOINT = """
            MERGE (k:%s {rm: $rm})
            SET k.rm = $rm
            """.formatted(CHECKPOINT_LABEL);

    private static final String WRITE_VERSIONS_AND_CHECKPOINT = """
            CALL () {
              UNWIND $newVersions AS v
              CREATE (:%1$s {rm: $rm, stream: v.stream, version: v.version})
            }
            CALL () {
              UNWIND $raisedVersions AS v
              MATCH (x:%1$s {rm: $rm, stream: v.stream})
              SET x.version = v.version
            }
            CALL () {
              WITH $txId AS txId WHERE txId IS NOT NULL
              MERGE (k:%2$s {rm: $rm})
              SET k.hash = $hash, k.name = $name, k.version = $definitionVersion
              WITH k WHERE k.txId IS NULL OR k.txId < $txId OR (k.txId = $txId AND k.position < $position)
              SET k.txId = $txId, k.position = $position
            }
            """.formatted(VERSION_LABEL, CHECKPOINT_LABEL);

    private static final String RECORD_SKIPPED = LOCK_CHECKPOINT + """
            WITH k
            MERGE (v:%s {rm: $rm, stream: $stream})
            WITH v WHERE coalesce(v.version, 0) < $version
            SET v.version = $version
            """.formatted(VERSION_LABEL);

    private static final String OVERWRITE_CHECKPOINT = """
            MERGE (k:%s {rm: $rm})
            SET k.txId = $txId, k.position = $position
            """.formatted(CHECKPOINT_LABEL);

    private static final String READ_CHECKPOINT = """
            MATCH (k:%s {rm: $rm})
            RETURN k.txId AS txId, k.position AS position, k.hash AS hash
            """.formatted(CHECKPOINT_LABEL);

    private static final String READ_VERSION = """
            OPTIONAL MATCH (v:%s {rm: $rm, stream: $stream})
            RETURN coalesce(v.version, 0) AS version
            """.formatted(VERSION_LABEL);

    private static final String READ_VERSIONS = """
            UNWIND $streams AS stream
            OPTIONAL MATCH (v:%s {rm: $rm, stream: stream})
            RETURN stream, coalesce(v.version, 0) AS version
            """.formatted(VERSION_LABEL);

    private static final String PAGE_VERSIONS = """
            MATCH (v:%s) WHERE v.rm = $rm AND v.stream > $after
            RETURN v.stream AS stream, v.version AS version
            ORDER BY v.stream
            LIMIT $limit
            """.formatted(VERSION_LABEL);

    /** Relationships first, in chunks: a node with many (a product in every order) is too big for one transaction. */
    private static final String DELETE_RELATIONSHIPS = """
            MATCH (:%s {%s: $rm})-[r]->()
            WITH r LIMIT $limit
            DELETE r
            RETURN count(*) AS deleted
            """.formatted(NODE_LABEL, MARKER);

    private static final String DELETE_NODES = """
            MATCH (n:%s {%s: $rm})
            WITH n LIMIT $limit
            DETACH DELETE n
            RETURN count(*) AS deleted
            """.formatted(NODE_LABEL, MARKER);

    private static final String DELETE_VERSIONS = """
            MATCH (v:%s) WHERE v.rm = $rm AND v.stream IS NOT NULL
            WITH v LIMIT $limit
            DELETE v
            RETURN count(*) AS deleted
            """.formatted(VERSION_LABEL);

    private static final String DELETE_CHECKPOINT = """
            MATCH (k:%s {rm: $rm})
            DELETE k
            """.formatted(CHECKPOINT_LABEL);

    private final Driver driver;
    private final ReadModelProgram program;
    private final ReadModelDefinition definition;
    private final String marker;
    private final int generation;
    private final List<String> labels;
    private final String primary;
    private final Neo4jDefinedValues values;
    private final String readStatement;
    /** The first statement of a part of a batch: as {@link #readStatement}, without the checkpoint's lock. */
    private final String partReadStatement;
    /** Reads documents alone (keys the first statement did not read: a document an action names). */
    private final String readDocumentsStatement;
    private final String documentStatement;
    private final Map<List<String>, String> writeStatements = new ConcurrentHashMap<>();
    private final Set<String> constrainedLabels = ConcurrentHashMap.newKeySet();
    private volatile boolean schemaReady;
    /** Changes computed for {@link Projector#partKeys}, by event (identity), until the part's apply takes them. */
    private final Map<RecordedEvent, List<Change>> computedForParts =
            Collections.synchronizedMap(new IdentityHashMap<>());
    private static final int MAX_COMPUTED_FOR_PARTS = 100_000;
    private final Projector projector = new DefinedProjector();
    private final DefinedProbe probe = new DefinedProbe();

    /**
     * Validates the definition's labels and field names and creates the constraints and index it needs (if the store
     * cannot be reached now, the first write creates them).
     *
     * @param namespace prefixes the read model's marker ({@code <namespace><name>:v<version>}), so that tests and
     *                  several hubs can share a server
     * @throws IllegalArgumentException if the definition is not a Neo4j one, has no labels, or a label or field name
     *                                  is not an identifier {@code [A-Za-z][A-Za-z0-9_]*} or is reserved
     */
    public Neo4jDefinedReadModel(Driver driver, String namespace, ReadModelProgram program) {
        this(driver, namespace, program, 0);
    }

    /** @param generation which build of the version (0: the first; a rebuild's marker is {@code :v<version>r<n>}) */
    public Neo4jDefinedReadModel(Driver driver, String namespace, ReadModelProgram program, int generation) {
        this.driver = Objects.requireNonNull(driver, "driver");
        this.program = Objects.requireNonNull(program, "program");
        this.definition = program.definition();
        definition.requireStore(StoreKind.NEO4J);
        this.labels = definition.target().labels();
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("Read model " + definition.name() + ": target.labels is empty");
        }
        for (String label : labels) {
            checkLabel(label, "label");
        }
        for (String field : definition.fields().keySet()) {
            if (RESERVED_PROPERTIES.contains(field)) {
                throw new IllegalArgumentException("Read model " + definition.name() + ": field name " + field
                        + " is reserved on Neo4j nodes");
            }
        }
        this.generation = generation;
        this.marker = Objects.requireNonNull(namespace, "namespace") + definition.name() + ":v"
                + definition.versionTag(generation);
        this.primary = labels.get(0);
        this.values = new Neo4jDefinedValues(definition.fields());
        String documentLabels = labels.stream().map(Neo4jDefinedReadModel::quoted).reduce("", (a, b) -> a + ":" + b);
        String otherLabels = labels.stream().skip(1).map(l -> ":" + quoted(l)).reduce("", String::concat);
        this.partReadStatement = """
                RETURN COLLECT { UNWIND $streams AS s MATCH (v:%s {rm: $rm, stream: s})
                                 RETURN {stream: s, version: v.version} } AS versions,
                       COLLECT { UNWIND $keys AS key MATCH (n:%s {%s: $rm, key: key}) RETURN properties(n) } AS documents
                """.formatted(VERSION_LABEL, quoted(primary), MARKER);
        this.readStatement = LOCK_CHECKPOINT + "WITH k\n" + partReadStatement;
        this.readDocumentsStatement = """
                UNWIND $keys AS key
                MATCH (n:%s {%s: $rm, key: key})
                RETURN properties(n) AS document
                """.formatted(quoted(primary), MARKER);
        this.documentStatement = """
                CALL () {
                  UNWIND $created AS d
                  CREATE (n%1$s:%2$s)
                  SET n = d
                }
                CALL () {
                  UNWIND $merged AS d
                  MERGE (n:%3$s {%4$s: $rm, key: d.key})
                  SET n%5$s:%2$s, n += d.props
                }
                """.formatted(documentLabels, NODE_LABEL, quoted(primary), MARKER, otherLabels);
        try {
            ensureSchema();
        } catch (RuntimeException e) {
            if (classify(e) != FailureKind.TRANSIENT) {
                throw e;
            }
            // the store is not reachable now: the first write creates the schema
        }
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

    @Override
    public int generation() {
        return generation;
    }

    /** The read model's marker on its nodes: {@code <namespace><name>:v<version>}. */
    public String marker() {
        return marker;
    }

    @Override
    public Optional<String> storedHash() {
        try (Session session = driver.session(READ)) {
            List<Record> records = session.run(READ_CHECKPOINT, Map.of("rm", marker)).list();
            if (records.isEmpty() || records.get(0).get("hash").isNull()) {
                return Optional.empty();
            }
            return Optional.of(records.get(0).get("hash").asString());
        }
    }

    /**
     * The document node as {@code {key, labels, properties, relationships}}: {@code properties} its fields (typed
     * per the definition: decimals as BigDecimal of the field's scale, timestamps as ISO-8601 strings, objects as
     * maps), {@code relationships} a list of {@code {type, direction ("out" or "in"), stream, properties, node}}
     * sorted by type, direction, key and stream, where {@code node} is the other end as {@code {key, labels,
     * properties}} and, at depth 2, its own {@code relationships} (but the one leading back). Internal labels and
     * properties are left out.
     *
     * @throws IllegalArgumentException if {@code depth} is not 1 or 2
     */
    @Override
    public Optional<Map<String, Object>> document(String key, int depth) {
        if (depth < 1 || depth > 2) {
            throw new IllegalArgumentException("depth must be 1 or 2, not " + depth);
        }
        String query = """
                MATCH (n:%1$s {%2$s: $rm, key: $key})
                RETURN n AS node, COLLECT {
                  MATCH (n)-[r]-(m) WHERE m.%2$s = $rm
                  RETURN {rel: r, node: m, out: startNode(r) = n,
                          next: CASE WHEN $depth >= 2 THEN COLLECT {
                                  MATCH (m)-[r2]-(o) WHERE r2 <> r AND o.%2$s = $rm
                                  RETURN {rel: r2, node: o, out: startNode(r2) = m}
                                } ELSE [] END}
                } AS relationships
                """.formatted(quoted(primary), MARKER);
        List<Record> records;
        try (Session session = driver.session(READ)) {
            records = session.run(query, Map.of("rm", marker, "key", Objects.requireNonNull(key, "key"),
                    "depth", (long) depth)).list();
        }
        if (records.isEmpty()) {
            return Optional.empty();
        }
        Record record = records.get(0);
        List<Map<String, Object>> relationships = new ArrayList<>();
        for (Value value : record.get("relationships").values()) {
            List<Map<String, Object>> next = null;
            if (depth >= 2) {
                next = new ArrayList<>();
                for (Value hop : value.get("next").values()) {
                    next.add(relationshipView(hop, null));
                }
                sortRelationships(next);
            }
            relationships.add(relationshipView(value, next));
        }
        sortRelationships(relationships);
        return Optional.of(nodeView(record.get("node").asNode(), relationships));
    }

    private Map<String, Object> relationshipView(Value value, List<Map<String, Object>> next) {
        Relationship relationship = value.get("rel").asRelationship();
        Map<String, Object> properties = new LinkedHashMap<>(relationship.asMap());
        Object stream = properties.remove(STREAM);
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("type", relationship.type());
        view.put("direction", value.get("out").asBoolean() ? "out" : "in");
        view.put("stream", stream);
        view.put("properties", Neo4jDefinedValues.jsonReady(properties));
        view.put("node", nodeView(value.get("node").asNode(), next));
        return view;
    }

    private Map<String, Object> nodeView(Node node, List<Map<String, Object>> relationships) {
        List<String> nodeLabels = new ArrayList<>();
        node.labels().forEach(label -> {
            if (!NODE_LABEL.equals(label)) {
                nodeLabels.add(label);
            }
        });
        boolean document = nodeLabels.contains(primary);
        Map<String, Object> properties = new java.util.TreeMap<>();
        node.asMap().forEach((name, stored) -> {
            if (!RESERVED_PROPERTIES.contains(name)) {
                properties.put(name, document ? values.jsonReady(name, stored) : Neo4jDefinedValues.jsonReady(stored));
            }
        });
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("key", node.get(KEY).asString(null));
        view.put("labels", nodeLabels);
        view.put("properties", new LinkedHashMap<>(properties));
        if (relationships != null) {
            view.put("relationships", relationships);
        }
        return view;
    }

    @SuppressWarnings("unchecked")
    private static void sortRelationships(List<Map<String, Object>> relationships) {
        relationships.sort(Comparator.<Map<String, Object>, String>comparing(r -> (String) r.get("type"))
                .thenComparing(r -> (String) r.get("direction"))
                .thenComparing(r -> String.valueOf(((Map<String, Object>) r.get("node")).get("key")))
                .thenComparing(r -> String.valueOf(r.get("stream"))));
    }

    /** Deletes every node, version record and the checkpoint of this read model (and version), nothing else. */
    @Override
    public void drop() {
        deleteAll();
    }

    /**
     * Deletes in transactions of {@value #DELETE_CHUNK}: the nodes first, then the version records, the checkpoint
     * last, so that an interrupted deletion leaves a checkpoint behind and is seen as unfinished (run it again).
     */
    private void deleteAll() {
        Map<String, Object> parameters = Map.of("rm", marker, "limit", (long) DELETE_CHUNK);
        try (Session session = driver.session(WRITE)) {
            for (String statement : List.of(DELETE_RELATIONSHIPS, DELETE_NODES, DELETE_VERSIONS)) {
                long deleted;
                do {
                    deleted = session.executeWrite(tx -> tx.run(statement, parameters).single().get("deleted").asLong());
                } while (deleted > 0);
            }
            session.executeWrite(tx -> tx.run(DELETE_CHECKPOINT, Map.of("rm", marker)).consume());
        }
    }

    // ---- schema ----

    private void ensureSchema() {
        if (schemaReady) {
            return;
        }
        try (Session session = driver.session(WRITE)) {
            for (String statement : BASE_SCHEMA) {
                runSchema(session, statement);
            }
        }
        ensureLabel(primary);
        schemaReady = true;
    }

    /** The uniqueness constraint of {@code (projhub_rm, key)} on {@code label}, once per label and instance. */
    private void ensureLabel(String label) {
        if (constrainedLabels.contains(label)) {
            return;
        }
        try (Session session = driver.session(WRITE)) {
            runSchema(session, "CREATE CONSTRAINT projhub_defined_key_" + label + " IF NOT EXISTS FOR (n:"
                    + quoted(label) + ") REQUIRE (n." + MARKER + ", n." + KEY + ") IS UNIQUE");
        }
        constrainedLabels.add(label);
    }

    /** Runs one schema command; an equivalent index or constraint under another name is good enough. */
    private static void runSchema(Session session, String statement) {
        try {
            session.run(statement).consume();
        } catch (ClientException e) {
            if (e.code() == null || !e.code().endsWith("AlreadyExists")) {
                throw e;
            }
        }
    }

    private static void checkLabel(String label, String what) {
        if (label == null || !IDENTIFIER.matcher(label).matches()) {
            throw new IllegalArgumentException("Invalid " + what + " " + label + ": an identifier [A-Za-z][A-Za-z0-9_]* expected");
        }
        if (RESERVED_LABELS.contains(label)) {
            throw new IllegalArgumentException("Invalid " + what + " " + label + ": reserved for the hub");
        }
    }

    private static String quoted(String identifier) {
        return "`" + identifier + "`";
    }

    // ---- the projector ----

    /** One change of one event, ready for the transaction. */
    private sealed interface Item {
    }

    private record DocumentItem(DocumentChange change) implements Item {
    }

    private record DeleteItem(String key) implements Item {
    }

    /**
     * {@code row}: from, to, stream, unlink, props, fromProps, toProps (stored values); {@code combo}: see
     * {@link Combo}. {@code fromDocument}, {@code toDocument}: whether an end is a document of this read model.
     */
    private record RelationshipItem(Map<String, Object> row, String combo, String from, String to,
                                    boolean fromDocument, boolean toDocument) implements Item {
    }

    /** {@code row}: key, props (stored values); {@code combo}: see {@link Combo}. */
    private record NodeItem(Map<String, Object> row, String combo) implements Item {
    }

    /**
     * A kind of write step, as text so that a batch's kinds sort and index: a relationship
     * {@code TYPE:FromLabel:ToLabel:identity,...} (FromLabel empty: the document node) or a node {@code #node:Label}.
     */
    private record Combo(String type, String fromLabel, String toLabel, List<String> identity, boolean node) {

        static String relationship(String type, String fromLabel, String toLabel, List<String> identity) {
            return type + ":" + (fromLabel == null ? "" : fromLabel) + ":" + toLabel + ":" + String.join(",", identity);
        }

        static String node(String label) {
            return "#node:" + label;
        }

        static Combo parse(String text) {
            String[] parts = text.split(":", -1);
            if (parts[0].equals("#node")) {
                return new Combo(null, null, parts[1], List.of(), true);
            }
            return new Combo(parts[0], parts[1].isEmpty() ? null : parts[1], parts[2],
                    parts[3].isEmpty() ? List.of() : List.of(parts[3].split(",")), false);
        }

        /** The labels other than the documents' that this kind of step merges nodes of. */
        List<String> labels() {
            List<String> labels = new ArrayList<>();
            if (fromLabel != null) {
                labels.add(fromLabel);
            }
            labels.add(toLabel);
            return labels;
        }
    }

    /**
     * An event's items, or the failure of its changes (a {@link ChangeFailure}, or whatever else the program threw),
     * thrown only if the event is to be applied: a skipped dead letter that is redelivered must not fail again.
     */
    private record Prepared(List<Item> items, Exception failure) {
    }

    /** Carries an event's failure out of the transaction callback. */
    private static final class DeferredFailure extends RuntimeException {
        final Exception failure;

        DeferredFailure(Exception failure) {
            super(failure.getMessage(), failure, false, false);
            this.failure = failure;
        }
    }

    /** Carries the loader's (the store's) failure out of the fold, to be thrown as it is. */
    private static final class LoadFailure extends RuntimeException {
        final RuntimeException failure;

        LoadFailure(RuntimeException failure) {
            super(failure.getMessage(), failure, false, false);
            this.failure = failure;
        }
    }

    /** The batch's relationships need uniqueness constraints not created yet: created outside the transaction. */
    private static final class MissingLabels extends RuntimeException {
        final Set<String> labels;

        MissingLabels(Set<String> labels) {
            super("constraints needed for labels " + labels, null, false, false);
            this.labels = labels;
        }
    }

    /** The document's fields of a stored node as {@link DocumentFolding} expects them (the declared types). */
    private Map<String, Object> typedFields(Map<String, Object> properties) {
        Map<String, Object> fields = new HashMap<>();
        properties.forEach((name, value) -> {
            if (!RESERVED_PROPERTIES.contains(name) && value != null) {
                fields.put(name, values.toTyped(name, value));
            }
        });
        return fields;
    }

    /**
     * The program as {@link DocumentFolding} runs it: each event's changes checked and turned into items as they are
     * computed (so the first failing event of the batch is the one that fails), and which event is being folded.
     */
    private final class FoldingProgram implements ReadModelProgram {
        final List<List<Item>> items = new ArrayList<>();
        RecordedEvent current;
        /** Whether {@link #current}'s changes were computed (a failure after it is its fold's). */
        boolean computed;

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
        public List<Change> changes(RecordedEvent event) throws ChangeFailure {
            return program.changes(event);
        }

        @Override
        public boolean usesDocument() {
            return true;
        }

        @Override
        public String keyOf(RecordedEvent event) throws ChangeFailure {
            return program.keyOf(event);
        }

        @Override
        public List<Change> changes(RecordedEvent event, Map<String, Object> document) throws ChangeFailure {
            current = event;
            computed = false;
            List<Change> changes = program.changes(event, document);
            List<Item> converted = new ArrayList<>(changes.size());
            for (Change change : changes) {
                converted.add(item(change, event));
            }
            items.add(converted);
            computed = true;
            return changes;
        }
    }

    private Prepared prepare(RecordedEvent event, Set<String> combos) {
        try {
            List<Change> computed = computedForParts.remove(event);
            List<Change> changes = computed != null ? computed : program.changes(event);
            List<Item> items = new ArrayList<>(changes.size());
            for (Change change : changes) {
                items.add(item(change, event));
            }
            for (Item item : items) {
                if (item instanceof RelationshipItem relationship) {
                    combos.add(relationship.combo());
                } else if (item instanceof NodeItem node) {
                    combos.add(node.combo());
                }
            }
            return new Prepared(items, null);
        } catch (ChangeFailure | RuntimeException failure) {
            return new Prepared(List.of(), failure);
        }
    }

    private Item item(Change change, RecordedEvent event) throws ChangeFailure {
        try {
            if (change instanceof DocumentChange document) {
                requireKey(document.key(), "document key");
                for (FieldOp op : document.ops()) {
                    check(op);
                }
                return new DocumentItem(document);
            }
            if (change instanceof DeleteDocument delete) {
                requireKey(delete.key(), "document key");
                return new DeleteItem(delete.key());
            }
            if (change instanceof RelationshipChange relationship) {
                return relationshipItem(relationship, event);
            }
            if (change instanceof NodeChange node) {
                return nodeItem(node);
            }
        } catch (IllegalArgumentException | NullPointerException e) {
            throw failure(event, e.getMessage(), e);
        }
        throw failure(event, "a " + change.getClass().getSimpleName()
                + " is not supported by a Neo4j read model (document, delete, relationship and node changes are)", null);
    }

    private ChangeFailure failure(RecordedEvent event, String message, Throwable cause) {
        return new ChangeFailure(definition.source() + ": event " + event.type() + " " + event.streamId() + "@"
                + event.version() + ": " + message, cause);
    }

    private static void requireKey(String key, String what) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("the " + what + " is empty");
        }
    }

    /** Checks that an op's field is not reserved and its value can be stored as the field's type. */
    private void check(FieldOp op) {
        String field = op.field();
        if (field == null || RESERVED_PROPERTIES.contains(field)) {
            throw new IllegalArgumentException("field name " + field + " is reserved on Neo4j nodes");
        }
        var spec = values.spec(field);
        if (op instanceof FieldOp.Unset) {
            return;
        }
        if (op instanceof FieldOp.Set set) {
            values.toStored(field, set.value());
        } else if (op instanceof FieldOp.Increment increment) {
            if (increment.delta() == null) {
                throw new IllegalArgumentException("field " + field + ": an increment needs a delta");
            }
            if (spec != null && !spec.type().numeric()) {
                throw new IllegalArgumentException("field " + field + " (" + spec.type().id() + ") cannot be incremented");
            }
            values.toStored(field, increment.delta());
        } else {
            Object value = op instanceof FieldOp.AddToSet add ? add.value()
                    : op instanceof FieldOp.Remove remove ? remove.value() : ((FieldOp.Append) op).value();
            if (value == null) {
                throw new IllegalArgumentException("field " + field + ": a null element");
            }
            if (spec != null && !spec.type().collection()) {
                throw new IllegalArgumentException("field " + field + " (" + spec.type().id() + ") is not a set or list");
            }
            values.toStored(field, List.of(value));
        }
    }

    private RelationshipItem relationshipItem(RelationshipChange change, RecordedEvent event) {
        if (change.type() == null || !IDENTIFIER.matcher(change.type()).matches()) {
            throw new IllegalArgumentException("invalid relationship type " + change.type()
                    + ": an identifier [A-Za-z][A-Za-z0-9_]* expected");
        }
        checkLabel(change.toLabel(), "label");
        if (change.fromLabel() != null) {
            checkLabel(change.fromLabel(), "label");
        }
        requireKey(change.fromKey(), "relationship's from key");
        requireKey(change.toKey(), "relationship's to key");
        if (change.properties().containsKey(STREAM)) {
            throw new IllegalArgumentException("relationship property " + STREAM + " is reserved (the stream that made it)");
        }
        for (String name : change.identity()) {
            if (!IDENTIFIER.matcher(name).matches() || change.properties().get(name) == null) {
                throw new IllegalArgumentException("relationship key property " + name + " has no value");
            }
        }
        Map<String, Object> props = new HashMap<>();
        change.properties().forEach((name, value) -> props.put(name, Neo4jDefinedValues.storedGeneric(value)));
        boolean fromDocument = change.fromLabel() == null || labels.contains(change.fromLabel());
        boolean toDocument = labels.contains(change.toLabel());
        Map<String, Object> row = new HashMap<>();
        row.put("kind", "rel");
        row.put("from", change.fromKey());
        row.put("to", change.toKey());
        row.put("stream", event.streamId());
        row.put("unlink", change.delete());
        row.put("props", props);
        row.put("fromProps", nodeProperties(change.fromProperties(), fromDocument));
        row.put("toProps", nodeProperties(change.toProperties(), toDocument));
        row.put("fresh", false); // markFresh sets it on a relationship of a document new in the batch
        row.put("fromNew", fromDocument); // an end that may be a document new in the batch (see markFresh)
        row.put("toNew", toDocument);
        List<Object> identity = new ArrayList<>();
        for (String name : change.identity()) {
            identity.add(props.get(name));
        }
        row.put("identity", identity);
        // A document end is merged under the documents' first label, whichever of their labels the change names.
        String fromLabel = fromDocument ? null : change.fromLabel();
        String toLabel = toDocument ? primary : change.toLabel();
        return new RelationshipItem(row, Combo.relationship(change.type(), fromLabel, toLabel, change.identity()),
                change.fromKey(), change.toKey(), fromDocument, toDocument);
    }

    private NodeItem nodeItem(NodeChange change) {
        checkLabel(change.label(), "label");
        if (labels.contains(change.label())) {
            throw new IllegalArgumentException("node label " + change.label() + " is a label of the documents");
        }
        requireKey(change.key(), "node's key");
        Map<String, Object> row = new HashMap<>();
        row.put("kind", "node");
        row.put("key", change.key());
        row.put("props", nodeProperties(change.properties(), false));
        return new NodeItem(row, Combo.node(change.label()));
    }

    /** Properties for a node: typed by the definition on a document, as given (strings, numbers) elsewhere. */
    private Map<String, Object> nodeProperties(Map<String, Object> properties, boolean document) {
        Map<String, Object> stored = new HashMap<>();
        properties.forEach((name, value) -> {
            if (RESERVED_PROPERTIES.contains(name)) {
                throw new IllegalArgumentException("node property " + name + " is reserved");
            }
            stored.put(name, document ? values.toStored(name, value) : Neo4jDefinedValues.storedGeneric(value));
        });
        return stored;
    }

    /**
     * {@code MERGE} of a step's end node: a document ({@code label} null or one of the documents' labels: merged
     * under the first, created with all of them) or a node of another label.
     */
    private String mergeNode(String variable, String label, String keyExpression) {
        boolean document = label == null || labels.contains(label);
        String otherLabels = document ? labels.stream().skip(1).map(l -> ":" + quoted(l)).reduce("", String::concat)
                : "";
        return "MERGE (%1$s:%2$s {%3$s: $rm, key: %4$s})\n  ON CREATE SET %1$s%5$s:%6$s\n".formatted(variable,
                quoted(document ? primary : label), MARKER, keyExpression, otherLabels, NODE_LABEL);
    }

    /** The relationship pattern's own properties: the stream, and the identity properties. */
    private static String relationshipIdentity(Combo combo) {
        StringBuilder identity = new StringBuilder(STREAM + ": step.stream");
        for (String name : combo.identity()) {
            identity.append(", ").append(quoted(name)).append(": step.props.").append(quoted(name));
        }
        return identity.toString();
    }

    /**
     * The write statement for the batch's relationship kinds ({@code TYPE:ToLabel}, sorted). {@code ordered}: the
     * batch deletes documents or relationships, so its steps run row by row in event order (each row a CALL
     * subquery, which sees the previous rows' writes) before the documents are written. Otherwise (the usual batch:
     * fields and merged relationships only, which commute) the documents are written first, so new ones are
     * CREATEd, then one plain {@code UNWIND ... MERGE} per relationship kind.
     */
    private String writeStatement(List<String> combos, List<String> shapes, boolean ordered) {
        List<String> cacheKey = new ArrayList<>(combos);
        cacheKey.addAll(shapes);
        cacheKey.add(ordered ? "#ordered" : "#merges");
        return writeStatements.computeIfAbsent(cacheKey, k -> {
            if (!ordered) {
                StringBuilder merges = new StringBuilder(documentStatement);
                for (int i = 0; i < combos.size(); i++) {
                    Combo combo = Combo.parse(combos.get(i));
                    String shape = shapes.get(i);
                    merges.append("CALL () {\n  UNWIND [s IN $steps WHERE s.combo = ").append(i).append("] AS step\n");
                    if (combo.node()) {
                        merges.append(mergeNode("n", combo.toLabel(), "step.key"))
                                .append(setIf(shape, PROPS, "  SET n += step.props\n")).append("}\n");
                        continue;
                    }
                    boolean fresh = shape.indexOf(FRESH) >= 0;
                    if (fresh) {
                        // relationships of documents new in this batch cannot exist yet: CREATE them (the steps of
                        // each such relationship were folded into one in the batch)
                        merges.setLength(merges.length() - "] AS step\n".length());
                        merges.append(" AND s.fresh] AS step\n").append(link(combo, shape, "CREATE", "  "))
                                .append("}\n");
                        if (shape.indexOf(KNOWN) < 0) {
                            continue;
                        }
                        merges.append("CALL () {\n  UNWIND [s IN $steps WHERE s.combo = ").append(i)
                                .append(" AND NOT coalesce(s.fresh, false)] AS step\n");
                    }
                    merges.append(link(combo, shape, "MERGE", "  ")).append("}\n");
                }
                return merges + WRITE_VERSIONS_AND_CHECKPOINT;
            }
            // One CALL per step row holding every kind's subquery: each execution sees the previous rows' writes, so
            // the steps apply in event order across kinds (sibling subqueries would run kind after kind).
            StringBuilder steps = new StringBuilder("""
                    CALL () {
                      UNWIND $steps AS step
                      CALL (step) {
                      CALL (step) {
                        WITH step WHERE step.kind = 'del'
                        MATCH (n:%1$s {%2$s: $rm, key: step.key})
                        OPTIONAL MATCH (n)-[r {%3$s: step.stream}]-()
                        DELETE r
                        WITH DISTINCT n, step
                        WITH n, step, EXISTS { (n)--() } AS linked
                        CALL (n, linked) {
                          WITH n WHERE NOT linked
                          DELETE n
                        }
                        CALL (n, step, linked) {
                          WITH n, step WHERE linked
                          SET n = {key: step.key, %2$s: $rm}
                        }
                      }
                    """.formatted(quoted(primary), MARKER, STREAM));
            for (int i = 0; i < combos.size(); i++) {
                Combo combo = Combo.parse(combos.get(i));
                String shape = shapes.get(i);
                if (combo.node()) {
                    steps.append("  CALL (step) {\n    WITH step WHERE step.kind = 'node' AND step.combo = ").append(i)
                            .append("\n").append(mergeNode("n", combo.toLabel(), "step.key"))
                            .append(setIf(shape, PROPS, "    SET n += step.props\n")).append("  }\n");
                    continue;
                }
                String fromLabel = quoted(combo.fromLabel() == null ? primary : combo.fromLabel());
                steps.append("  CALL (step) {\n    WITH step WHERE step.kind = 'rel' AND step.combo = ").append(i)
                        .append(" AND NOT step.unlink\n")
                        .append(link(combo, shape, "MERGE", "    ")).append("  }\n")
                        .append("  CALL (step) {\n    WITH step WHERE step.kind = 'rel' AND step.combo = ").append(i)
                        .append(" AND step.unlink\n")
                        .append("    MATCH (:").append(fromLabel).append(" {").append(MARKER)
                        .append(": $rm, key: step.from})-[r:").append(quoted(combo.type())).append(" {")
                        .append(relationshipIdentity(combo)).append("}]->(:").append(quoted(combo.toLabel()))
                        .append(" {").append(MARKER).append(": $rm, key: step.to})\n    DELETE r\n  }\n");
            }
            steps.append("  }\n}\n");
            return steps + documentStatement + WRITE_VERSIONS_AND_CHECKPOINT;
        });
    }

    /**
     * The body that links a step's two ends: each end merged (with its properties where the batch has some), then
     * the relationship made with {@code verb} (MERGE, or CREATE where it cannot exist yet) and its properties set.
     */
    private String link(Combo combo, String shape, String verb, String indent) {
        return mergeNode("a", combo.fromLabel(), "step.from")
                + setIf(shape, FROM_PROPS, indent + "SET a += step.fromProps\n")
                + mergeNode("b", combo.toLabel(), "step.to")
                + setIf(shape, TO_PROPS, indent + "SET b += step.toProps\n")
                + indent + verb + " (a)-[r:" + quoted(combo.type()) + " {" + relationshipIdentity(combo) + "}]->(b)\n"
                + setIf(shape, PROPS, indent + "SET r += step.props\n");
    }

    private static final char FROM_PROPS = 'f';
    private static final char TO_PROPS = 't';
    private static final char PROPS = 'p';
    /** Some steps of the kind are relationships of documents new in the batch ({@code fresh}: CREATEd). */
    private static final char FRESH = 'c';
    /** Some steps of the kind may link what exists already (MERGEd). */
    private static final char KNOWN = 'm';

    /**
     * A SET of a step's property map only where some step of that kind has properties in this batch: an empty
     * {@code SET x += {}} still costs a write per row and makes Cypher materialise every row before it (Eager), so
     * the batch's statement leaves it out.
     */
    private static String setIf(String shape, char part, String set) {
        return shape.indexOf(part) >= 0 ? set : "";
    }

    /** Which property maps the steps of each combo carry in this batch (see {@link #setIf}). */
    private static List<String> shapes(List<String> combos, List<Map<String, Object>> steps) {
        List<StringBuilder> shapes = new ArrayList<>();
        for (int i = 0; i < combos.size(); i++) {
            shapes.add(new StringBuilder());
        }
        for (Map<String, Object> step : steps) {
            Object index = step.get("combo");
            if (!(index instanceof Long i)) {
                continue;
            }
            StringBuilder shape = shapes.get(i.intValue());
            Combo combo = Combo.parse(combos.get(i.intValue()));
            mark(shape, FROM_PROPS, step.get("fromProps"), List.of());
            mark(shape, TO_PROPS, step.get("toProps"), List.of());
            mark(shape, PROPS, step.get("props"), combo.node() ? List.of() : combo.identity());
            char freshness = Boolean.TRUE.equals(step.get("fresh")) ? FRESH : KNOWN;
            if (shape.indexOf(String.valueOf(freshness)) < 0) {
                shape.append(freshness);
            }
        }
        List<String> result = new ArrayList<>();
        for (StringBuilder shape : shapes) {
            char[] parts = shape.toString().toCharArray();
            java.util.Arrays.sort(parts);
            result.add(new String(parts));
        }
        return result;
    }

    /**
     * Marks {@code fresh} the relationship steps with an end that is a document created in this batch (no node had
     * its key before it, so no relationship of it exists: the statement CREATEs them instead of MERGE, which would
     * look through the other end's relationships, a hot Product's or Carrier's thousands). Two steps of one such
     * relationship (same kind, ends, stream and key properties) are folded into one, the later properties winning,
     * as MERGE then SET would have left them.
     */
    private static List<Map<String, Object>> markFresh(List<Map<String, Object>> steps,
                                                       List<Map<String, Object>> created) {
        if (created.isEmpty()) {
            return steps;
        }
        Set<Object> newKeys = new HashSet<>();
        created.forEach(document -> newKeys.add(document.get("key")));
        List<Map<String, Object>> result = new ArrayList<>(steps.size());
        Map<List<Object>, Map<String, Object>> fresh = new HashMap<>();
        for (Map<String, Object> step : steps) {
            if (!"rel".equals(step.get("kind")) || !(Boolean.TRUE.equals(step.get("fromNew"))
                    && newKeys.contains(step.get("from")) || Boolean.TRUE.equals(step.get("toNew"))
                    && newKeys.contains(step.get("to")))) {
                result.add(step);
                continue;
            }
            Map<?, ?> props = (Map<?, ?>) step.get("props");
            List<Object> identity = new ArrayList<>(List.of(step.get("combo"), step.get("from"), step.get("to"),
                    step.get("stream")));
            identity.add(step.get("identity"));
            Map<String, Object> earlier = fresh.get(identity);
            if (earlier == null) {
                Map<String, Object> row = new HashMap<>(step);
                row.put("fresh", true);
                fresh.put(identity, row);
                result.add(row);
                continue;
            }
            earlier.put("props", merged((Map<?, ?>) earlier.get("props"), props));
            earlier.put("fromProps", merged((Map<?, ?>) earlier.get("fromProps"), (Map<?, ?>) step.get("fromProps")));
            earlier.put("toProps", merged((Map<?, ?>) earlier.get("toProps"), (Map<?, ?>) step.get("toProps")));
        }
        return result;
    }

    private static Map<String, Object> merged(Map<?, ?> earlier, Map<?, ?> later) {
        Map<String, Object> merged = new HashMap<>();
        if (earlier != null) {
            earlier.forEach((k, v) -> merged.put((String) k, v));
        }
        if (later != null) {
            later.forEach((k, v) -> merged.put((String) k, v));
        }
        return merged;
    }

    private static void mark(StringBuilder shape, char part, Object properties, List<String> inPattern) {
        if (shape.indexOf(String.valueOf(part)) >= 0 || !(properties instanceof Map<?, ?> map)) {
            return;
        }
        for (Object name : map.keySet()) {
            if (!inPattern.contains(name)) {
                shape.append(part);
                return;
            }
        }
    }

    /**
     * Whether a node other than a document gets properties from two kinds of step in one batch: the unordered
     * statement runs kind after kind, so the batch must run step by step, in event order, for the later event to win.
     */
    private static boolean propertiesFromTwoKinds(Map<String, String> writers, String label, String key, String combo,
                                                  Map<?, ?> properties, boolean document) {
        if (document || properties == null || properties.isEmpty()) {
            return false;
        }
        String previous = writers.putIfAbsent(label + "\u0000" + key, combo);
        return previous != null && !previous.equals(combo);
    }

    /** A document's state while a batch is folded in memory. */
    private final class DocumentState {
        final boolean existed;
        Map<String, Object> fields = new LinkedHashMap<>();
        final Set<String> touched = new LinkedHashSet<>();
        boolean present;
        boolean deleted;

        DocumentState(Map<String, Object> stored) {
            existed = stored != null;
            present = existed;
            if (stored != null) {
                stored.forEach((name, value) -> {
                    if (!RESERVED_PROPERTIES.contains(name)) {
                        fields.put(name, values.toTyped(name, value));
                    }
                });
            }
        }

        void apply(List<FieldOp> ops) {
            fields = DocumentFold.apply(fields, ops);
            for (FieldOp op : ops) {
                touched.add(op.field());
            }
            present = true;
        }

        void delete() {
            fields = new LinkedHashMap<>();
            present = false;
            deleted = true;
        }

        /** The touched fields as stored values, null for a removed one ({@code SET n += } removes it). */
        Map<String, Object> changedProperties() {
            Map<String, Object> changed = new HashMap<>();
            for (String field : touched) {
                changed.put(field, values.toStored(field, fields.get(field)));
            }
            return changed;
        }

        Map<String, Object> allProperties(String key) {
            Map<String, Object> all = new HashMap<>();
            fields.forEach((name, value) -> {
                Object stored = values.toStored(name, value);
                if (stored != null) {
                    all.put(name, stored);
                }
            });
            all.put(KEY, key);
            all.put(MARKER, marker);
            return all;
        }
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
            return probe.checkpoint();
        }

        /**
         * For a program that does not read {@code doc} the keys come from the event's changes, computed here once:
         * kept for {@link #prepare}, which the part's apply runs next (so CEL runs once per event, not twice).
         */
        @Override
        public PartKeys partKeys(RecordedEvent event) {
            if (program.usesDocument()) {
                return program.partKeys(event);
            }
            try {
                List<Change> changes = program.changes(event);
                if (computedForParts.size() >= MAX_COMPUTED_FOR_PARTS) {
                    computedForParts.clear(); // never consumed (the lane stopped between): computed again
                }
                computedForParts.put(event, changes);
                return ChangeKeys.of(changes, program.documentLabels());
            } catch (ChangeFailure | RuntimeException e) {
                return PartKeys.NONE; // the event fails where it is applied
            }
        }

        @Override
        public void apply(EventBatch batch) throws Exception {
            ensureSchema();
            if (program.usesDocument()) {
                applyWithDocuments(batch);
                return;
            }
            List<RecordedEvent> events = batch.events();
            Set<String> combos = new TreeSet<>();
            List<Prepared> prepared = new ArrayList<>(events.size());
            for (RecordedEvent event : events) {
                prepared.add(prepare(event, combos));
            }
            for (String combo : combos) {
                Combo.parse(combo).labels().forEach(Neo4jDefinedReadModel.this::ensureLabel);
            }
            List<String> comboList = List.copyOf(combos);
            try (Session session = driver.session(WRITE)) {
                session.executeWrite(tx -> {
                    write(tx, events, prepared, comboList, batch.checkpoint());
                    return null;
                });
            } catch (RuntimeException e) {
                for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                    if (t instanceof DeferredFailure deferred) {
                        throw deferred.failure;
                    }
                }
                throw e;
            }
        }

        private void write(TransactionContext tx, List<RecordedEvent> events, List<Prepared> prepared,
                           List<String> combos, LogPosition checkpoint) {
            Map<String, Long> recorded = new HashMap<>();
            Map<String, Map<String, Object>> stored = new HashMap<>();
            if (!events.isEmpty()) { // an empty batch only moves the checkpoint: no read
                Set<String> streams = new LinkedHashSet<>();
                Set<String> keys = new LinkedHashSet<>();
                for (int i = 0; i < events.size(); i++) {
                    streams.add(events.get(i).streamId());
                    for (Item item : prepared.get(i).items()) {
                        if (item instanceof DocumentItem document) {
                            keys.add(document.change().key());
                        }
                    }
                }
                readState(tx, streams, keys, recorded, stored, checkpoint);
            }
            writeApplied(tx, events, prepared, combos, checkpoint, recorded, stored);
        }

        /**
         * The first statement: locks the checkpoint node (not for a part of a batch, whose checkpoint is null: the lane
         * keeps parts disjoint), reads the recorded versions of {@code streams} into {@code recorded} and the stored
         * properties of the documents of {@code keys} into {@code stored}.
         */
        private void readState(TransactionContext tx, Set<String> streams, Set<String> keys, Map<String, Long> recorded,
                               Map<String, Map<String, Object>> stored, LogPosition checkpoint) {
            Record state = tx.run(checkpoint == null ? partReadStatement : readStatement, Map.of("rm", marker,
                    "streams", List.copyOf(streams), "keys", List.copyOf(keys))).single();
            for (Value version : state.get("versions").values()) {
                recorded.put(version.get("stream").asString(), version.get("version").asLong());
            }
            for (Value document : state.get("documents").values()) {
                Map<String, Object> properties = document.asMap();
                stored.put((String) properties.get(KEY), properties);
            }
        }

        /** Reads the stored properties of the documents of {@code keys} into {@code stored} (one statement). */
        private void readDocuments(TransactionContext tx, Collection<String> keys,
                                   Map<String, Map<String, Object>> stored) {
            for (Record record : tx.run(readDocumentsStatement, Map.of("rm", marker, "keys", List.copyOf(keys))).list()) {
                Map<String, Object> properties = record.get("document").asMap();
                stored.put((String) properties.get(KEY), properties);
            }
        }

        /**
         * For a program that reads {@code doc}: the changes are computed inside the transaction, after the first
         * statement has read the versions of the batch's streams and the documents of its events' keys (so the fold
         * sees what the batch overwrites, under the checkpoint lock), for the events that apply only.
         */
        private void applyWithDocuments(EventBatch batch) throws Exception {
            List<RecordedEvent> events = batch.events();
            Set<String> keys = new LinkedHashSet<>();
            for (RecordedEvent event : events) {
                try {
                    keys.add(program.keyOf(event));
                } catch (ChangeFailure | RuntimeException e) {
                    // the event fails in the fold if it is to be applied
                }
            }
            for (int attempt = 1; ; attempt++) {
                try (Session session = driver.session(WRITE)) {
                    session.executeWrite(tx -> {
                        writeWithDocuments(tx, events, keys, batch.checkpoint());
                        return null;
                    });
                    return;
                } catch (RuntimeException e) {
                    MissingLabels missing = null;
                    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                        if (t instanceof DeferredFailure deferred) {
                            throw deferred.failure;
                        }
                        if (t instanceof MissingLabels m) {
                            missing = m;
                        }
                    }
                    if (missing == null || attempt >= 5) {
                        throw e;
                    }
                    // schema commands cannot run in a transaction that writes: create the constraints, then again
                    for (String label : missing.labels) {
                        ensureLabel(label);
                    }
                }
            }
        }

        private void writeWithDocuments(TransactionContext tx, List<RecordedEvent> events, Set<String> keys,
                                        LogPosition checkpoint) {
            Map<String, Long> recorded = new HashMap<>();
            Map<String, Map<String, Object>> stored = new HashMap<>();
            Set<String> read = new HashSet<>();
            if (!events.isEmpty()) {
                Set<String> streams = new LinkedHashSet<>();
                for (RecordedEvent event : events) {
                    streams.add(event.streamId());
                }
                readState(tx, streams, keys, recorded, stored, checkpoint);
                read.addAll(keys);
            }
            // the events that apply, as writeApplied decides: above their stream's version, in batch order
            Map<String, Long> versions = new HashMap<>(recorded);
            List<RecordedEvent> toApply = new ArrayList<>();
            List<Integer> positions = new ArrayList<>();
            for (int i = 0; i < events.size(); i++) {
                RecordedEvent event = events.get(i);
                if (event.version() > versions.getOrDefault(event.streamId(), 0L)) {
                    toApply.add(event);
                    positions.add(i);
                    versions.put(event.streamId(), event.version());
                }
            }
            DocumentFolding.DocumentLoader loader = wanted -> {
                try {
                    List<String> unread = wanted.stream().filter(key -> !read.contains(key)).toList();
                    if (!unread.isEmpty()) {
                        readDocuments(tx, unread, stored);
                        read.addAll(unread);
                    }
                    Map<String, Map<String, Object>> documents = new HashMap<>();
                    for (String key : wanted) {
                        Map<String, Object> properties = stored.get(key);
                        if (properties != null) {
                            documents.put(key, typedFields(properties));
                        }
                    }
                    return documents;
                } catch (RuntimeException e) {
                    throw new LoadFailure(e);
                }
            };
            FoldingProgram folding = new FoldingProgram();
            try {
                DocumentFolding.changes(folding, toApply, loader);
            } catch (LoadFailure e) {
                throw e.failure; // the store's: the driver's exception as it is (retried, classified)
            } catch (ChangeFailure e) {
                throw new DeferredFailure(e);
            } catch (RuntimeException e) {
                throw new DeferredFailure(folding.computed ? failure(folding.current, "field change failed: " + e, e) : e);
            } catch (Exception e) {
                throw new DeferredFailure(e);
            }

            List<Prepared> prepared = new ArrayList<>(events.size());
            for (int i = 0; i < events.size(); i++) {
                prepared.add(new Prepared(List.of(), null));
            }
            Set<String> combos = new TreeSet<>();
            Set<String> unread = new LinkedHashSet<>();
            for (int j = 0; j < toApply.size(); j++) {
                List<Item> items = folding.items.get(j);
                prepared.set(positions.get(j), new Prepared(items, null));
                for (Item item : items) {
                    if (item instanceof RelationshipItem relationship) {
                        combos.add(relationship.combo());
                    } else if (item instanceof NodeItem node) {
                        combos.add(node.combo());
                    } else if (item instanceof DocumentItem document && !read.contains(document.change().key())) {
                        unread.add(document.change().key());
                    } else if (item instanceof DeleteItem delete && !read.contains(delete.key())) {
                        unread.add(delete.key());
                    }
                }
            }
            Set<String> unconstrained = new TreeSet<>();
            for (String combo : combos) {
                for (String label : Combo.parse(combo).labels()) {
                    if (!constrainedLabels.contains(label)) {
                        unconstrained.add(label);
                    }
                }
            }
            if (!unconstrained.isEmpty()) {
                throw new MissingLabels(unconstrained);
            }
            if (!unread.isEmpty()) { // a deleted document no expression read
                readDocuments(tx, unread, stored);
            }
            writeApplied(tx, events, prepared, List.copyOf(combos), checkpoint, recorded, stored);
        }

        /**
         * Folds the events that apply (version above {@code recorded}, in batch order) and writes them with the new
         * versions and the checkpoint: the second statement.
         */
        private void writeApplied(TransactionContext tx, List<RecordedEvent> events, List<Prepared> prepared,
                                  List<String> combos, LogPosition checkpoint, Map<String, Long> recorded,
                                  Map<String, Map<String, Object>> stored) {
            Map<String, Long> applied = new HashMap<>(recorded);
            Map<String, DocumentState> documents = new LinkedHashMap<>();
            List<Map<String, Object>> steps = new ArrayList<>();
            Set<String> stepKeys = new HashSet<>();
            Map<String, String> propertyWriters = new HashMap<>();
            boolean ordered = false;
            for (int i = 0; i < events.size(); i++) {
                RecordedEvent event = events.get(i);
                if (event.version() <= applied.getOrDefault(event.streamId(), 0L)) {
                    continue;
                }
                Prepared p = prepared.get(i);
                if (p.failure() != null) {
                    throw new DeferredFailure(p.failure());
                }
                for (Item item : p.items()) {
                    if (item instanceof DocumentItem document) {
                        String key = document.change().key();
                        DocumentState state = documents.computeIfAbsent(key, k -> new DocumentState(stored.get(k)));
                        try {
                            state.apply(document.change().ops());
                        } catch (RuntimeException e) {
                            throw new DeferredFailure(failure(event, "field change on document " + key + " failed: "
                                    + e, e));
                        }
                    } else if (item instanceof DeleteItem delete) {
                        documents.computeIfAbsent(delete.key(), k -> new DocumentState(stored.get(k))).delete();
                        steps.add(Map.of("kind", "del", "key", delete.key(), "stream", event.streamId()));
                        ordered = true;
                        stepKeys.add(delete.key());
                    } else if (item instanceof RelationshipItem relationship) {
                        Map<String, Object> row = new HashMap<>(relationship.row());
                        row.put("combo", (long) combos.indexOf(relationship.combo()));
                        ordered |= (Boolean) row.get("unlink");
                        Combo combo = Combo.parse(relationship.combo());
                        ordered |= propertiesFromTwoKinds(propertyWriters, combo.fromLabel(), relationship.from(),
                                relationship.combo(), (Map<?, ?>) row.get("fromProps"), relationship.fromDocument());
                        ordered |= propertiesFromTwoKinds(propertyWriters, combo.toLabel(), relationship.to(),
                                relationship.combo(), (Map<?, ?>) row.get("toProps"), relationship.toDocument());
                        steps.add(row);
                        if (relationship.fromDocument()) {
                            stepKeys.add(relationship.from());
                        }
                        if (relationship.toDocument()) {
                            stepKeys.add(relationship.to());
                        }
                    } else if (item instanceof NodeItem node) {
                        Map<String, Object> row = new HashMap<>(node.row());
                        row.put("combo", (long) combos.indexOf(node.combo()));
                        steps.add(row);
                        ordered |= propertiesFromTwoKinds(propertyWriters, Combo.parse(node.combo()).toLabel(),
                                (String) row.get("key"), node.combo(), (Map<?, ?>) row.get("props"), false);
                    }
                }
                applied.put(event.streamId(), event.version());
            }

            List<Map<String, Object>> created = new ArrayList<>();
            List<Map<String, Object>> merged = new ArrayList<>();
            boolean inOrder = ordered;
            documents.forEach((key, state) -> {
                if (!state.present) {
                    return;
                }
                // without ordered steps the documents are written first: a new one is created, the steps then find it
                if (!state.existed && !state.deleted && (!inOrder || !stepKeys.contains(key))) {
                    created.add(state.allProperties(key));
                } else {
                    Map<String, Object> row = new HashMap<>();
                    row.put("key", key);
                    row.put("props", state.changedProperties());
                    merged.add(row);
                }
            });
            if (!ordered) {
                steps = markFresh(steps, created);
            }
            List<Map<String, Object>> newVersions = new ArrayList<>();
            List<Map<String, Object>> raisedVersions = new ArrayList<>();
            applied.forEach((stream, version) -> {
                Long before = recorded.get(stream);
                if (before == null) {
                    newVersions.add(Map.of("stream", stream, "version", version));
                } else if (version > before) {
                    raisedVersions.add(Map.of("stream", stream, "version", version));
                }
            });

            Map<String, Object> parameters = new HashMap<>();
            parameters.put("rm", marker);
            parameters.put("steps", steps);
            parameters.put("created", created);
            parameters.put("merged", merged);
            parameters.put("newVersions", newVersions);
            parameters.put("raisedVersions", raisedVersions);
            parameters.put("hash", program.hash());
            parameters.put("name", definition.name());
            parameters.put("definitionVersion", (long) definition.version());
            parameters.put("txId", checkpoint == null ? null : checkpoint.txId()); // a part: no checkpoint
            parameters.put("position", checkpoint == null ? null : checkpoint.position());
            tx.run(writeStatement(combos, shapes(combos, steps), ordered), parameters).consume();
        }

        @Override
        public void reset() {
            deleteAll();
        }

        /**
         * One transaction takes the stream out: its relationships (from the nodes its events start them at, and any
         * at its document node), its document node (deleted if no other stream's relationship is left at it, else
         * emptied to a placeholder) and its version record; then its events apply as usual. Should the second step
         * fail, the stream has no version record and the next audit finds it missing and applies it again.
         */
        @Override
        public void rewrite(String streamId, EventBatch batch) throws Exception {
            StreamFold fold = Rewrites.foldOwn(program, streamId, batch.events());
            ensureSchema();
            try (Session session = driver.session(WRITE)) {
                session.executeWrite(tx -> {
                    for (Map.Entry<String, Set<String>> starts : fold.relationshipStarts().entrySet()) {
                        String label = starts.getKey().isEmpty() ? primary : starts.getKey();
                        tx.run("UNWIND $keys AS k MATCH (a:" + quoted(label) + " {" + MARKER + ": $rm, key: k})-[r]->() "
                                + "WHERE r.stream = $stream DELETE r", Map.of("keys", List.copyOf(starts.getValue()),
                                "rm", marker, "stream", streamId)).consume();
                    }
                    tx.run("""
                            MATCH (d:%1$s {%2$s: $rm, key: $stream})
                            OPTIONAL MATCH (d)-[r]-() WHERE r.stream = $stream
                            DELETE r
                            WITH DISTINCT d
                            WITH d, COUNT { (d)--() } AS others, d.key AS key
                            FOREACH (_ IN CASE WHEN others = 0 THEN [1] ELSE [] END | DELETE d)
                            FOREACH (_ IN CASE WHEN others > 0 THEN [1] ELSE [] END | SET d = {key: key, %2$s: $rm})
                            """.formatted(quoted(primary), MARKER), Map.of("rm", marker, "stream", streamId))
                            .consume();
                    tx.run("MATCH (v:" + VERSION_LABEL + " {rm: $rm, stream: $stream}) DELETE v",
                            Map.of("rm", marker, "stream", streamId)).consume();
                    return null;
                });
            }
            apply(batch);
        }

        /** Raises the stream's version record to {@code version}, never lowers it; no data changes. */
        @Override
        public void recordSkipped(String streamId, long version) {
            ensureSchema();
            try (Session session = driver.session(WRITE)) {
                session.executeWrite(tx -> tx.run(RECORD_SKIPPED, Map.of("rm", marker,
                        "stream", Objects.requireNonNull(streamId, "streamId"), "version", version)).consume());
            }
        }

        /** Sets the checkpoint to exactly {@code checkpoint}, also backwards (recovery only). */
        @Override
        public void overwriteCheckpoint(LogPosition checkpoint) {
            ensureSchema();
            try (Session session = driver.session(WRITE)) {
                session.executeWrite(tx -> tx.run(OVERWRITE_CHECKPOINT, Map.of("rm", marker,
                        "txId", checkpoint.txId(), "position", checkpoint.position())).consume());
            }
        }

        /**
         * As the order projector: TRANSIENT for an unreachable or switching server, any
         * {@code Neo.TransientError.*}, a terminated transaction, a database or cluster state error and security
         * failures (a configuration problem, never the event's); PERMANENT for a {@link ChangeFailure} and other
         * server errors.
         */
        @Override
        public FailureKind classify(Throwable failure) {
            return Neo4jDefinedReadModel.classify(failure);
        }
    }

    static FailureKind classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ChangeFailure) {
                return FailureKind.PERMANENT;
            }
            if (t instanceof ServiceUnavailableException || t instanceof SessionExpiredException
                    || t instanceof TransientException || t instanceof RetryableException
                    || t instanceof SecurityException) {
                return FailureKind.TRANSIENT;
            }
            if (t instanceof Neo4jException neo4j) {
                String code = neo4j.code();
                if (code != null && (code.startsWith("Neo.TransientError.")
                        || code.equals("Neo.ClientError.Transaction.Terminated")
                        || code.equals("Neo.ClientError.Transaction.LockClientStopped")
                        || code.startsWith("Neo.ClientError.Database.") || code.startsWith("Neo.ClientError.Cluster."))) {
                    return FailureKind.TRANSIENT;
                }
                return FailureKind.PERMANENT;
            }
        }
        return FailureKind.ofCauseChain(failure);
    }

    private final class DefinedProbe implements ReadModelProbe {

        @Override
        public String name() {
            return definition.name();
        }

        @Override
        public LogPosition checkpoint() {
            try (Session session = driver.session(READ)) {
                List<Record> records = session.run(READ_CHECKPOINT, Map.of("rm", marker)).list();
                if (records.isEmpty() || records.get(0).get("txId").isNull()) {
                    return LogPosition.START;
                }
                return new LogPosition(records.get(0).get("txId").asLong(), records.get(0).get("position").asLong());
            }
        }

        @Override
        public long appliedVersion(String streamId) {
            try (Session session = driver.session(READ)) {
                return session.run(READ_VERSION, Map.of("rm", marker,
                        "stream", Objects.requireNonNull(streamId, "streamId"))).single().get("version").asLong();
            }
        }

        @Override
        public Map<String, Long> appliedVersions(java.util.Collection<String> streamIds) {
            Map<String, Long> answer = new java.util.LinkedHashMap<>();
            if (streamIds.isEmpty()) {
                return answer;
            }
            try (Session session = driver.session(READ)) {
                for (Record record : session.run(READ_VERSIONS,
                        Map.of("rm", marker, "streams", List.copyOf(streamIds))).list()) {
                    answer.put(record.get("stream").asString(), record.get("version").asLong());
                }
            }
            return answer;
        }

        @Override
        public io.projhub.core.projection.RecordedStreams recordedStreams(String cursor, int limit) {
            Map<String, Long> page = new java.util.LinkedHashMap<>();
            String last = null;
            try (Session session = driver.session(READ)) {
                for (Record record : session.run(PAGE_VERSIONS, Map.of("rm", marker,
                        "after", cursor == null ? "" : cursor, "limit", limit)).list()) {
                    last = record.get("stream").asString();
                    page.put(last, record.get("version").asLong());
                }
            }
            return new io.projhub.core.projection.RecordedStreams(page, page.size() < limit ? null : last);
        }
    }
}
