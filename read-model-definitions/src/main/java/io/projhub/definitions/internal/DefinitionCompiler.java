package io.projhub.definitions.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.serialization.NodeReader;
import com.networknt.schema.utils.JsonNodes;

import dev.cel.bundle.Cel;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelKind;
import dev.cel.runtime.CelEvaluationException;
import io.projhub.definitions.ChildTable;
import io.projhub.definitions.DefinitionError;
import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.FieldType;
import io.projhub.definitions.ReadModelDefinition;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.definitions.StoreKind;
import io.projhub.definitions.Target;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;

/**
 * Compiles one definition file: YAML read with the location of every node, checked against the JSON Schema, then
 * every rule the schema cannot say (the store's target and change kinds, declared fields and their types, CEL
 * expressions compiled and type-checked). Collects every error; a file with any yields no program.
 */
public final class DefinitionCompiler {

    private static final Set<String> FIELD_OPS = Set.of("set", "unset", "increment", "decrement", "add", "remove",
            "append");
    private static final Set<String> ACTION_KINDS = Set.of("set", "unset", "increment", "decrement", "add", "remove",
            "append", "delete", "relationship", "node", "point", "row", "counter", "sortedSet");
    private static final Map<StoreKind, Set<String>> KINDS_BY_STORE = Map.of(
            StoreKind.ELASTICSEARCH, Set.of("set", "unset", "increment", "decrement", "add", "remove", "append",
                    "delete"),
            StoreKind.REDIS, Set.of("set", "unset", "increment", "decrement", "add", "remove", "append", "delete",
                    "counter", "sortedSet"),
            StoreKind.NEO4J, Set.of("set", "unset", "increment", "decrement", "add", "remove", "append", "delete",
                    "relationship", "node"),
            StoreKind.INFLUXDB, Set.of("point"),
            StoreKind.POSTGRES, Set.of("set", "unset", "increment", "decrement", "add", "remove", "append", "delete",
                    "row"));
    private static final Map<StoreKind, String> TARGET_KEY = Map.of(StoreKind.ELASTICSEARCH, "index",
            StoreKind.REDIS, "keyPrefix", StoreKind.NEO4J, "labels", StoreKind.INFLUXDB, "measurement",
            StoreKind.POSTGRES, "table");
    private static final Pattern READS_DOC = Pattern.compile("(?<![A-Za-z0-9_.'\"])doc\\b");
    private static final Pattern IDS_IN_TAG = Pattern.compile("\\b(streamId|position|version)\\b");
    /** Column names the stores use for themselves. */
    private static final Set<String> RESERVED_FIELDS = Set.of("key", "parent_key", "time");

    private final Schema schema;
    private final NodeReader reader = NodeReader.builder().locationAware().build();
    private final Cel cel = CelEnvironment.build(false);
    private final Cel celWithItem = CelEnvironment.build(true);

    public DefinitionCompiler(String schemaText) {
        this.schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(schemaText, InputFormat.JSON);
    }

    /** The outcome for one file: a program, or none and the errors; {@link #error} places a new error in it. */
    public record Compiled(String file, JsonNode root, ReadModelProgram program, List<DefinitionError> errors) {

        public DefinitionError error(String property, String message) {
            JsonNode node = root == null ? null : root.get(property);
            return at(file, node == null ? root : node, message);
        }
    }

    public Compiled compile(String file, String text) {
        JsonNode root;
        try {
            root = reader.readTree(text, InputFormat.YAML);
        } catch (JacksonException e) {
            TokenStreamLocation location = e.getLocation();
            String message = e.getOriginalMessage();
            return new Compiled(file, null, null, List.of(new DefinitionError(file,
                    location == null ? 1 : Math.max(1, location.getLineNr()),
                    location == null ? 1 : Math.max(1, location.getColumnNr()),
                    "not valid YAML: " + message)));
        } catch (RuntimeException e) {
            return new Compiled(file, null, null, List.of(new DefinitionError(file, 1, 1,
                    "not valid YAML: " + e.getMessage())));
        }
        if (root == null || !root.isObject()) {
            return new Compiled(file, root, null, List.of(new DefinitionError(file, 1, 1,
                    "a definition is a YAML mapping (name, store, version, target, on)")));
        }
        List<DefinitionError> errors = new ArrayList<>();
        for (Error error : schema.validate(root)) {
            JsonNode node = error.getInstanceNode();
            String path = String.valueOf(error.getInstanceLocation()).replaceFirst("^\\$\\.?", "");
            if (node != null && error.getProperty() != null && node.has(error.getProperty())) {
                node = node.get(error.getProperty());
            }
            errors.add(at(file, node == null ? root : node, (path.isEmpty() ? "" : path + ": ") + error.getMessage()));
        }
        if (!errors.isEmpty()) {
            return new Compiled(file, root, null, errors);
        }
        Compiled compiled = new Compiling(file, root, errors, text.split("\n", -1)).run();
        return errors.isEmpty() ? compiled : new Compiled(file, root, null, errors);
    }

    static DefinitionError at(String file, JsonNode node, String message) {
        TokenStreamLocation location = node == null ? null : JsonNodes.tokenStreamLocationOf(node);
        int line = location == null ? 1 : Math.max(1, location.getLineNr());
        int column = location == null ? 1 : Math.max(1, location.getColumnNr());
        return new DefinitionError(file, line, column, message);
    }

    /** The state of compiling one file. */
    private final class Compiling {
        private final String file;
        private final JsonNode root;
        private final List<DefinitionError> errors;
        private StoreKind store;
        private Map<String, FieldSpec> fields;
        private Map<String, ChildTable> tables = Map.of();
        private Set<String> tags = Set.of();
        private final String[] lines;
        /** Whether an expression (other than a key) reads {@code doc}. */
        private boolean usesDocument;

        /** Neo4j: the labels of the read model's document nodes. */
        private List<String> documentLabels = List.of();

        Compiling(String file, JsonNode root, List<DefinitionError> errors, String[] lines) {
            this.file = file;
            this.root = root;
            this.errors = errors;
            this.lines = lines;
        }

        /** 1 if the YAML scalar at this place is written in quotes (its text starts one column later), else 0. */
        private int quoteWidth(DefinitionError place) {
            int line = place.line() - 1;
            int column = place.column() - 1;
            if (line < 0 || line >= lines.length || column < 0 || column >= lines[line].length()) {
                return 0;
            }
            char c = lines[line].charAt(column);
            return c == '"' || c == '\'' ? 1 : 0;
        }

        Compiled run() {
            store = StoreKind.byId(root.get("store").asString()).orElseThrow();
            fields = fieldSpecs(root.get("fields"));
            JsonNode targetNode = root.get("target");
            Target target = target(targetNode);
            documentLabels = target.labels() == null ? List.of() : target.labels();
            if (root.has("tags")) {
                if (store != StoreKind.INFLUXDB) {
                    error(root.get("tags"), "tags are for influxdb read models; this one is " + store.id());
                }
                Set<String> names = new java.util.LinkedHashSet<>();
                for (JsonNode tag : root.get("tags").values()) {
                    names.add(tag.asString());
                    FieldSpec declared = fields.get(tag.asString());
                    if (declared != null && declared.type() != FieldType.KEYWORD) {
                        error(tag, "the tag " + tag.asString() + " is declared as a " + declared.type().id()
                                + " field; a tag is a keyword");
                    }
                    // Tags are keyword fields of the points: the store and its queries know them from the fields.
                    fields.putIfAbsent(tag.asString(), FieldSpec.of(tag.asString(), FieldType.KEYWORD));
                }
                tags = names;
            }
            ReadModelDefinition definition = new ReadModelDefinition(root.get("name").asString(), store,
                    root.get("version").asInt(), root.has("description") ? root.get("description").asString() : "",
                    target, fields, file);
            Expression key = root.has("key") ? expression(root.get("key"), false, "key")
                    : compileSource("streamId", root, false, "key");
            checkKeyType(key, root.has("key") ? root.get("key") : root);
            Map<String, List<CompiledProgram.Entry>> byType = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> on : root.get("on").properties()) {
                List<CompiledProgram.Entry> entries = new ArrayList<>();
                for (JsonNode action : on.getValue().values()) {
                    CompiledProgram.Entry entry = entry(action);
                    if (entry != null) {
                        entries.add(entry);
                    }
                }
                byType.put(on.getKey(), entries);
            }
            if (!errors.isEmpty()) {
                return new Compiled(file, root, null, errors);
            }
            return new Compiled(file, root, new CompiledProgram(definition, hash(root), key,
                    byType, usesDocument, String.join("\n", lines)), List.of());
        }

        private Map<String, FieldSpec> fieldSpecs(JsonNode node) {
            Map<String, FieldSpec> specs = new LinkedHashMap<>();
            if (node == null) {
                return specs;
            }
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                if (RESERVED_FIELDS.contains(entry.getKey()) || entry.getKey().startsWith("projhub")) {
                    error(entry.getValue(), "the field name '" + entry.getKey() + "' is reserved for the hub");
                    continue;
                }
                specs.put(entry.getKey(), fieldSpec(entry.getKey(), entry.getValue()));
            }
            return specs;
        }

        private FieldSpec fieldSpec(String name, JsonNode node) {
            if (node.isString()) {
                FieldType type = FieldType.byId(node.asString()).orElseThrow();
                return new FieldSpec(name, type, FieldSpec.DEFAULT_SCALE, type.collection() ? FieldType.KEYWORD : null);
            }
            FieldType type = FieldType.byId(node.get("type").asString()).orElseThrow();
            int scale = node.has("scale") ? node.get("scale").asInt() : FieldSpec.DEFAULT_SCALE;
            if (node.has("scale") && type != FieldType.DECIMAL && !(type.collection() && node.has("of")
                    && "decimal".equals(node.get("of").asString()))) {
                error(node.get("scale"), "scale is for decimal fields; " + name + " is " + type.id());
            }
            FieldType of = null;
            if (type.collection()) {
                of = node.has("of") ? FieldType.byId(node.get("of").asString()).orElseThrow() : FieldType.KEYWORD;
            } else if (node.has("of")) {
                error(node.get("of"), "'of' is for set and list fields; " + name + " is " + type.id());
            }
            return new FieldSpec(name, type, scale, of);
        }

        private Target target(JsonNode node) {
            String expected = TARGET_KEY.get(store);
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                boolean ours = entry.getKey().equals(expected) || (store == StoreKind.POSTGRES
                        && entry.getKey().equals("tables"));
                if (!ours) {
                    error(entry.getValue(), "target." + entry.getKey() + " is not for " + store.id()
                            + " read models (they take target." + expected + ")");
                }
            }
            if (!node.has(expected)) {
                error(node, "a " + store.id() + " read model needs target." + expected);
            }
            List<String> labels = new ArrayList<>();
            if (node.has("labels")) {
                node.get("labels").values().forEach(label -> labels.add(label.asString()));
            }
            if (node.has("tables")) {
                Map<String, ChildTable> children = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> child : node.get("tables").properties()) {
                    Map<String, FieldSpec> columns = fieldSpecs(child.getValue().get("columns"));
                    List<String> keyColumns = new ArrayList<>();
                    for (JsonNode column : child.getValue().get("key").values()) {
                        keyColumns.add(column.asString());
                        if (!columns.containsKey(column.asString())) {
                            error(column, "the key column " + column.asString() + " of table " + child.getKey()
                                    + " is not among its columns");
                        }
                    }
                    if (child.getKey().equals(text(node, "table"))) {
                        error(child.getValue(), "the child table " + child.getKey() + " has the main table's name");
                    }
                    children.put(child.getKey(), new ChildTable(child.getKey(), keyColumns, columns));
                }
                tables = children;
            }
            return new Target(text(node, "index"), text(node, "keyPrefix"), labels, text(node, "measurement"),
                    text(node, "table"), tables);
        }

        private CompiledProgram.Entry entry(JsonNode action) {
            List<String> kinds = new ArrayList<>();
            action.propertyNames().forEach(name -> {
                if (ACTION_KINDS.contains(name)) {
                    kinds.add(name);
                }
            });
            if (kinds.isEmpty()) {
                error(action, "a change needs one of " + String.join(", ", KINDS_BY_STORE.get(store)));
                return null;
            }
            boolean fieldOps = kinds.stream().allMatch(FIELD_OPS::contains);
            if (kinds.size() > 1 && !fieldOps) {
                error(action, "one change per list entry: " + String.join(" and ", kinds)
                        + " belong in entries of their own");
                return null;
            }
            for (String kind : kinds) {
                if (!KINDS_BY_STORE.get(store).contains(kind)) {
                    error(action.get(kind), "'" + kind + "' is not a change a " + store.id() + " read model can make"
                            + " (it takes " + String.join(", ", KINDS_BY_STORE.get(store).stream().sorted().toList())
                            + ")" + (store == StoreKind.INFLUXDB ? ": points are overwritten, never incremented or"
                            + " deleted" : ""));
                }
            }
            Expression when = action.has("when") ? expression(action.get("when"), false, "when") : null;
            if (when != null && !when.dynamic() && when.resultType().kind() != CelKind.BOOL) {
                error(action.get("when"), "'when' must give a bool, this gives " + when.resultType().name());
            }
            Expression key = null;
            if (action.has("key")) {
                if (store == StoreKind.INFLUXDB) {
                    error(action.get("key"), "influxdb points have no document key");
                }
                key = expression(action.get("key"), false, "key");
                checkKeyType(key, action.get("key"));
            }
            Action compiled = fieldOps ? document(action, kinds) : switch (kinds.get(0)) {
                case "delete" -> new Action.Delete();
                case "relationship" -> relationship(action.get("relationship"));
                case "node" -> node(action.get("node"));
                case "point" -> point(action.get("point"));
                case "row" -> row(action.get("row"));
                case "counter" -> counter(action.get("counter"));
                case "sortedSet" -> sortedSet(action.get("sortedSet"));
                default -> throw new IllegalStateException(kinds.get(0));
            };
            return compiled == null ? null : new CompiledProgram.Entry(when, key, compiled);
        }

        private Action document(JsonNode action, List<String> kinds) {
            List<Action.FieldStep> steps = new ArrayList<>();
            for (String kind : kinds) {
                JsonNode node = action.get(kind);
                if (kind.equals("unset")) {
                    for (JsonNode name : node.values()) {
                        FieldSpec field = declared(name, name.asString());
                        if (field != null) {
                            steps.add(new Action.FieldStep(kind, field, null));
                        }
                    }
                    continue;
                }
                for (Map.Entry<String, JsonNode> entry : node.properties()) {
                    FieldSpec field = declared(entry.getValue(), entry.getKey());
                    Expression value = expression(entry.getValue(), false, kind + "." + entry.getKey());
                    if (field == null || value == null) {
                        continue;
                    }
                    checkFieldOp(kind, field, value, entry.getValue());
                    steps.add(new Action.FieldStep(kind, field, value));
                }
            }
            return new Action.Document(steps);
        }

        private void checkFieldOp(String kind, FieldSpec field, Expression value, JsonNode node) {
            switch (kind) {
                case "increment", "decrement" -> {
                    if (!field.type().numeric()) {
                        error(node, kind + " needs a long, double or decimal field; " + field.name() + " is "
                                + field.type().id());
                        return;
                    }
                    typeCheck(field.type(), field.name(), value, node);
                }
                case "add" -> {
                    if (field.type() != FieldType.SET) {
                        error(node, "add needs a set field; " + field.name() + " is " + field.type().id());
                        return;
                    }
                    typeCheck(field.elementType(), field.name(), value, node);
                }
                case "remove" -> {
                    if (!field.type().collection()) {
                        error(node, "remove needs a set or list field; " + field.name() + " is " + field.type().id());
                        return;
                    }
                    typeCheck(field.elementType(), field.name(), value, node);
                }
                case "append" -> {
                    if (field.type() != FieldType.LIST) {
                        error(node, "append needs a list field; " + field.name() + " is " + field.type().id());
                        return;
                    }
                    typeCheck(field.elementType(), field.name(), value, node);
                }
                default -> typeCheck(field.type(), field.name(), value, node);
            }
        }

        private void typeCheck(FieldType type, String name, Expression value, JsonNode node) {
            if (!Values.compatible(type, value.resultType())) {
                error(node, "the field " + name + " is " + type.id() + "; the expression '" + value.source()
                        + "' gives " + value.resultType().name());
            }
        }

        private FieldSpec declared(JsonNode node, String name) {
            FieldSpec field = fields.get(name);
            if (field == null) {
                error(node, "the field " + name + " is not declared under fields"
                        + (fields.isEmpty() ? "" : " (declared: " + String.join(", ", fields.keySet()) + ")"));
            }
            return field;
        }

        private Action relationship(JsonNode node) {
            boolean withItem = node.has("forEach");
            Expression forEach = withItem ? expression(node.get("forEach"), false, "relationship.forEach") : null;
            if (forEach != null && !forEach.dynamic() && forEach.resultType().kind() != CelKind.LIST) {
                error(node.get("forEach"), "forEach must give a list, this gives " + forEach.resultType().name());
            }
            JsonNode to = node.get("to");
            Expression toKey = expression(to.get("key"), withItem, "relationship.to.key");
            if (toKey != null) {
                checkKeyType(toKey, to.get("key"));
            }
            Map<String, Expression> toProperties = expressions(to.get("set"), withItem, "relationship.to.set");
            reserved(to.get("set"), Set.of("key"), "an end node's");
            JsonNode from = node.get("from");
            String fromLabel = null;
            Expression fromKey = null;
            Map<String, Expression> fromProperties = Map.of();
            if (from != null) {
                fromLabel = from.get("label").asString();
                fromKey = expression(from.get("key"), withItem, "relationship.from.key");
                if (fromKey != null) {
                    checkKeyType(fromKey, from.get("key"));
                }
                fromProperties = expressions(from.get("set"), withItem, "relationship.from.set");
                reserved(from.get("set"), Set.of("key"), "a start node's");
            }
            Map<String, Expression> properties = expressions(node.get("properties"), withItem,
                    "relationship.properties");
            reserved(node.get("properties"), Set.of("stream"), "a relationship's");
            List<String> identity = new ArrayList<>();
            if (node.has("key")) {
                for (JsonNode name : node.get("key")) {
                    if (properties == null || !properties.containsKey(name.asString())) {
                        error(name, "relationship.key: " + name.asString() + " is not one of its properties");
                    }
                    identity.add(name.asString());
                }
            }
            return new Action.Relationship(node.get("type").asString(), fromLabel, fromKey, fromProperties,
                    to.get("label").asString(), toKey, toProperties, properties, identity, forEach,
                    node.has("delete") && node.get("delete").asBoolean());
        }

        private Action node(JsonNode node) {
            Expression key = expression(node.get("key"), false, "node.key");
            if (key != null) {
                checkKeyType(key, node.get("key"));
            }
            reserved(node.get("set"), Set.of("key"), "a node's");
            if (documentLabels.contains(node.get("label").asString())) {
                error(node.get("label"), "node.label: " + node.get("label").asString()
                        + " is a label of this read model's documents; change them with set, unset and the like");
            }
            return new Action.Node(node.get("label").asString(), key, expressions(node.get("set"), false, "node.set"));
        }

        /** The hub's own property names: {@code projhub*} and {@code names}. */
        private void reserved(JsonNode node, Set<String> names, String what) {
            if (node == null) {
                return;
            }
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                if (names.contains(entry.getKey()) || entry.getKey().startsWith("projhub")) {
                    error(entry.getValue(), "'" + entry.getKey() + "' is " + what + " property the hub sets itself");
                }
            }
        }

        private Action point(JsonNode node) {
            Map<String, Expression> tagExpressions = expressions(node.get("tags"), false, "point.tags");
            if (node.has("tags")) {
                for (Map.Entry<String, JsonNode> tag : node.get("tags").properties()) {
                    if (!tags.contains(tag.getKey())) {
                        error(tag.getValue(), "the tag " + tag.getKey() + " is not declared under tags");
                    }
                    if (IDS_IN_TAG.matcher(tag.getValue().asString()).find()) {
                        error(tag.getValue(), "a tag never holds a stream id, version or position (every value is"
                                + " a new series); put it in a field");
                    }
                }
            }
            Map<String, Action.FieldStep> pointFields = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> entry : node.get("fields").properties()) {
                FieldSpec field = declared(entry.getValue(), entry.getKey());
                Expression value = expression(entry.getValue(), false, "point.fields." + entry.getKey());
                if (field == null || value == null) {
                    continue;
                }
                if (tags.contains(field.name())) {
                    error(entry.getValue(), field.name() + " is a tag; set it under tags");
                    continue;
                }
                if (field.type().collection() || field.type() == FieldType.OBJECT) {
                    error(entry.getValue(), "a point field holds one value; " + field.name() + " is "
                            + field.type().id());
                    continue;
                }
                typeCheck(field.type(), field.name(), value, entry.getValue());
                pointFields.put(field.name(), new Action.FieldStep("set", field, value));
            }
            Expression time = node.has("time") ? expression(node.get("time"), false, "point.time") : null;
            if (time != null && !Values.compatible(FieldType.TIMESTAMP, time.resultType())) {
                error(node.get("time"), "point.time must give a timestamp, this gives " + time.resultType().name());
            }
            return new Action.Point(tagExpressions, pointFields, time);
        }

        private Action row(JsonNode node) {
            String table = node.get("table").asString();
            ChildTable child = tables.get(table);
            if (child == null) {
                error(node.get("table"), "the table " + table + " is not declared under target.tables"
                        + (tables.isEmpty() ? "" : " (declared: " + String.join(", ", tables.keySet()) + ")"));
                return null;
            }
            boolean withItem = node.has("forEach");
            Expression forEach = withItem ? expression(node.get("forEach"), false, "row.forEach") : null;
            if (forEach != null && !forEach.dynamic() && forEach.resultType().kind() != CelKind.LIST) {
                error(node.get("forEach"), "forEach must give a list, this gives " + forEach.resultType().name());
            }
            Map<String, Action.FieldStep> key = columns(child, node.get("key"), withItem, "row.key");
            for (String column : child.key()) {
                if (!key.containsKey(column)) {
                    error(node.get("key"), "row.key needs the key column " + column + " of table " + table);
                }
            }
            for (String column : key.keySet()) {
                if (!child.key().contains(column)) {
                    error(node.get("key"), "row.key: " + column + " is not a key column of table " + table
                            + " (its key: " + String.join(", ", child.key()) + ")");
                }
            }
            Map<String, Action.FieldStep> values = columns(child, node.get("set"), withItem, "row.set");
            return new Action.Row(table, forEach, key, values, node.has("delete") && node.get("delete").asBoolean());
        }

        private Map<String, Action.FieldStep> columns(ChildTable child, JsonNode node, boolean withItem, String where) {
            Map<String, Action.FieldStep> steps = new LinkedHashMap<>();
            if (node == null) {
                return steps;
            }
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                FieldSpec column = child.columns().get(entry.getKey());
                if (column == null) {
                    error(entry.getValue(), "the column " + entry.getKey() + " is not declared in table "
                            + child.name());
                    continue;
                }
                Expression value = expression(entry.getValue(), withItem, where + "." + entry.getKey());
                if (value == null) {
                    continue;
                }
                typeCheck(column.type(), column.name(), value, entry.getValue());
                steps.put(column.name(), new Action.FieldStep("set", column, value));
            }
            return steps;
        }

        private Action counter(JsonNode node) {
            Expression name = expression(node.get("name"), false, "counter.name");
            Expression by = expression(node.get("by"), false, "counter.by");
            Integer scale = node.has("scale") ? node.get("scale").asInt() : null;
            if (by != null && !Values.compatible(scale == null ? FieldType.LONG : FieldType.DECIMAL, by.resultType())) {
                error(node.get("by"), "counter.by must give " + (scale == null ? "an int (or set scale for a decimal"
                        + " counter)" : "a decimal") + ", this gives " + by.resultType().name());
            }
            return name == null || by == null ? null : new Action.Counter(name, by, scale);
        }

        private Action sortedSet(JsonNode node) {
            Expression name = expression(node.get("name"), false, "sortedSet.name");
            Expression member = expression(node.get("member"), false, "sortedSet.member");
            boolean remove = node.has("remove") && node.get("remove").asBoolean();
            Expression score = null;
            if (!remove) {
                if (!node.has("score")) {
                    error(node, "sortedSet needs a score (or remove: true)");
                    return null;
                }
                score = expression(node.get("score"), false, "sortedSet.score");
            }
            long keep = 0;
            if (node.has("keep")) {
                if (remove) {
                    error(node.get("keep"), "keep trims the set after an add; a remove has nothing to keep");
                    return null;
                }
                keep = node.get("keep").asLong();
            }
            if (name == null || member == null || (!remove && score == null)) {
                return null;
            }
            return new Action.SortedSet(name, member, score, node.has("increment")
                    && node.get("increment").asBoolean(), remove, keep);
        }

        private Map<String, Expression> expressions(JsonNode node, boolean withItem, String where) {
            Map<String, Expression> result = new LinkedHashMap<>();
            if (node == null) {
                return result;
            }
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                Expression expression = expression(entry.getValue(), withItem, where + "." + entry.getKey());
                if (expression != null) {
                    result.put(entry.getKey(), expression);
                }
            }
            return result;
        }

        private void checkKeyType(Expression key, JsonNode node) {
            if (key != null && !key.dynamic() && key.resultType().kind() != CelKind.STRING
                    && key.resultType().kind() != CelKind.INT) {
                error(node, "a key must give a string, this gives " + key.resultType().name());
            }
        }

        private Expression expression(JsonNode node, boolean withItem, String what) {
            String source = node.isString() ? node.asString() : node.toString();
            return compileSource(source, node, withItem, what);
        }

        private Expression compileSource(String source, JsonNode node, boolean withItem, String what) {
            Cel environment = withItem ? celWithItem : cel;
            DefinitionError place = at(file, node, "");
            if (READS_DOC.matcher(source).find()) {
                if (what.equals("key") || what.endsWith(".key")) {
                    error(node, what + ": a key cannot read doc (the document is found by its key)");
                    return null;
                }
                if (store == StoreKind.INFLUXDB) {
                    error(node, what + ": influxdb points have no document to read (doc)");
                    return null;
                }
                usesDocument = true;
            }
            String where = place.file() + ":" + place.line() + ":" + place.column() + " (" + what + ")";
            try {
                CelAbstractSyntaxTree ast = environment.compile(source).getAst();
                return new Expression(source, where, ast.getResultType(), environment.createProgram(ast));
            } catch (CelValidationException e) {
                for (CelIssue issue : e.getErrors()) {
                    int line = place.line() + Math.max(0, issue.getSourceLocation().getLine() - 1);
                    int column = issue.getSourceLocation().getLine() <= 1
                            ? place.column() + quoteWidth(place) + Math.max(0, issue.getSourceLocation().getColumn())
                            : Math.max(1, issue.getSourceLocation().getColumn() + 1);
                    errors.add(new DefinitionError(file, line, column, what + ": the expression '" + source
                            + "' does not compile: " + issue.getMessage()));
                }
                return null;
            } catch (CelEvaluationException e) {
                error(node, what + ": the expression '" + source + "' cannot be prepared: " + e.getMessage());
                return null;
            }
        }

        private void error(JsonNode node, String message) {
            errors.add(at(file, node, message));
        }
    }

    private static String text(JsonNode node, String property) {
        return node.has(property) ? node.get(property).asString() : null;
    }

    private static String hash(JsonNode root) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(root.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
