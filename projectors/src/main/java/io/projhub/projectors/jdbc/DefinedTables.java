package io.projhub.projectors.jdbc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.projhub.definitions.ChildTable;
import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.FieldType;
import io.projhub.definitions.ReadModelDefinition;
import io.projhub.definitions.StoreKind;

/**
 * The physical layout of one defined read model in PostgreSQL, checked when it is built: every name that comes from
 * the definition is validated (and always double-quoted in SQL, so its case is kept), and every physical name
 * carries the definition's version.
 * <ul>
 *   <li>main table {@code <schema>.<table>_v<version>}: {@code key text primary key} and one typed column per
 *       declared field;</li>
 *   <li>child tables {@code <schema>.<table>__<child>_v<version>} (the main table's name first, so that two read
 *       models with a child table of the same name never share it): {@code parent_key text}, the child's key columns
 *       (primary key {@code (parent_key, key...)}) and its other columns;</li>
 *   <li>version records {@code <schema>.<table>_v<version>_versions (stream_id, version)};</li>
 *   <li>checkpoints, shared by the schema's definitions: {@code <schema>.projhub_defined_checkpoints}, one row per
 *       {@code (name, version)} of a definition;</li>
 *   <li>{@code <schema>.projhub_list_ops(jsonb, jsonb)}: the set and list operations on a jsonb column.</li>
 * </ul>
 */
final class DefinedTables {

    /** PostgreSQL truncates longer identifiers silently, which could make two names one. */
    static final int MAX_IDENTIFIER = 63;

    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

    static final String KEY = "key";
    static final String PARENT_KEY = "parent_key";
    static final String CHECKPOINTS = "projhub_defined_checkpoints";
    static final String LIST_OPS = "projhub_list_ops";

    /** A column: its name and its declared type. */
    record Column(String name, FieldSpec spec) {

        String quoted() {
            return quote(name);
        }

        FieldType type() {
            return spec.type();
        }

        String sqlType() {
            return switch (spec.type()) {
                case KEYWORD, TEXT -> "text";
                case LONG -> "bigint";
                case DOUBLE -> "double precision";
                case DECIMAL -> "numeric(38, " + spec.scale() + ")";
                case BOOLEAN -> "boolean";
                case TIMESTAMP -> "timestamptz";
                case SET, LIST, OBJECT -> "jsonb";
            };
        }

        /** A parameter marker cast to the column's type (so that a null needs no JDBC type). */
        String parameter() {
            return "?::" + switch (spec.type()) {
                case KEYWORD, TEXT -> "text";
                case LONG -> "bigint";
                case DOUBLE -> "float8";
                case DECIMAL -> "numeric";
                case BOOLEAN -> "boolean";
                case TIMESTAMP -> "timestamptz";
                case SET, LIST, OBJECT -> "jsonb";
            };
        }

        boolean json() {
            return spec.type().collection() || spec.type() == FieldType.OBJECT;
        }
    }

    /** A child table: its name in the definition, its physical name, key columns and other columns. */
    record Child(String name, String physical, List<Column> key, Map<String, Column> values) {

        Column column(String column) {
            for (Column k : key) {
                if (k.name().equals(column)) {
                    return k;
                }
            }
            return values.get(column);
        }
    }

    private final String schema;
    private final ReadModelDefinition definition;
    private final String main;
    private final String versions;
    private final Map<String, Column> fields;
    private final Map<String, Child> children;

    DefinedTables(String schema, ReadModelDefinition definition) {
        this(schema, definition, 0);
    }

    /** @param generation which build of the version: its tables are {@code <table>_v<version>r<n>} after a rebuild */
    DefinedTables(String schema, ReadModelDefinition definition, int generation) {
        if (schema == null || !SCHEMA.matcher(schema).matches()) {
            throw new IllegalArgumentException("schema: not a plain lower-case SQL identifier: '" + schema + "'");
        }
        definition.requireStore(StoreKind.POSTGRES);
        if (definition.version() < 0) {
            throw new IllegalArgumentException(definition.name() + ": version must not be negative");
        }
        this.schema = schema;
        this.definition = definition;
        String suffix = "_v" + definition.versionTag(generation);
        String table = definition.target().table();
        name("table", table, suffix + "_versions");
        this.main = table + suffix;
        this.versions = main + "_versions";

        Map<String, Column> declared = new LinkedHashMap<>();
        for (Map.Entry<String, FieldSpec> field : definition.fields().entrySet()) {
            String column = field.getKey();
            name("field", column, "");
            if (column.equals(KEY)) {
                throw new IllegalArgumentException("field '" + column + "' is reserved (the main table's key column)");
            }
            declared.put(column, column(column, field.getValue()));
        }
        this.fields = Collections.unmodifiableMap(declared);

        Map<String, Child> tables = new LinkedHashMap<>();
        List<String> physicalNames = new ArrayList<>(List.of(main, versions, CHECKPOINTS));
        for (Map.Entry<String, ChildTable> entry : new java.util.TreeMap<>(definition.target().tables()).entrySet()) {
            String childName = entry.getKey();
            ChildTable child = entry.getValue();
            name("child table", childName, "");
            name("child table", table + "__" + childName, suffix);
            if (child.name() != null && !child.name().equals(childName)) {
                throw new IllegalArgumentException("child table '" + childName + "' is named '" + child.name()
                        + "' inside: the two names must be the same");
            }
            if (fields.containsKey(childName)) {
                throw new IllegalArgumentException("child table '" + childName + "' has the name of a field");
            }
            String physical = table + "__" + childName + suffix;
            if (physicalNames.stream().anyMatch(physical::equalsIgnoreCase)) {
                throw new IllegalArgumentException("child table '" + childName + "' would be named " + physical
                        + ", a name already taken");
            }
            physicalNames.add(physical);
            if (child.key().isEmpty()) {
                throw new IllegalArgumentException("child table '" + childName + "' needs at least one key column");
            }
            List<Column> key = new ArrayList<>();
            for (String k : child.key()) {
                name("key column of " + childName, k, "");
                FieldSpec spec = child.columns().get(k);
                Column column = column(k, spec == null ? FieldSpec.of(k, FieldType.KEYWORD) : spec);
                if (column.json()) {
                    throw new IllegalArgumentException("key column '" + k + "' of " + childName
                            + " must be of a scalar type, not " + column.type().id());
                }
                if (key.stream().anyMatch(c -> c.name().equals(k))) {
                    throw new IllegalArgumentException("key column '" + k + "' of " + childName + " is listed twice");
                }
                key.add(column);
            }
            Map<String, Column> values = new LinkedHashMap<>();
            for (Map.Entry<String, FieldSpec> column : new java.util.TreeMap<>(child.columns()).entrySet()) {
                String c = column.getKey();
                name("column of " + childName, c, "");
                if (c.equals(PARENT_KEY)) {
                    throw new IllegalArgumentException("column '" + c + "' of " + childName + " is reserved");
                }
                if (!child.key().contains(c)) {
                    values.put(c, column(c, column.getValue()));
                }
            }
            tables.put(childName, new Child(childName, physical, List.copyOf(key),
                    Collections.unmodifiableMap(values)));
        }
        this.children = Collections.unmodifiableMap(tables);
    }

    private static Column column(String name, FieldSpec spec) {
        if (spec.type() == FieldType.DECIMAL && (spec.scale() < 0 || spec.scale() > 38)) {
            throw new IllegalArgumentException("field '" + name + "': a decimal scale must be between 0 and 38");
        }
        return new Column(name, spec);
    }

    /** Checks a name from the definition; {@code suffix} is what the physical name adds to it. */
    private static void name(String what, String name, String suffix) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + ": '" + name + "' is not a valid name ([A-Za-z][A-Za-z0-9_]*)");
        }
        if ((name + suffix).length() > MAX_IDENTIFIER) {
            throw new IllegalArgumentException(what + ": '" + name + "' is too long (" + name + suffix
                    + " must fit in " + MAX_IDENTIFIER + " characters)");
        }
    }

    static String quote(String identifier) {
        return '"' + identifier + '"';
    }

    ReadModelDefinition definition() {
        return definition;
    }

    String schema() {
        return schema;
    }

    /** The main table, schema-qualified and quoted. */
    String main() {
        return quote(schema) + "." + quote(main);
    }

    String mainName() {
        return main;
    }

    String versions() {
        return quote(schema) + "." + quote(versions);
    }

    String versionsName() {
        return versions;
    }

    String checkpoints() {
        return quote(schema) + "." + CHECKPOINTS;
    }

    String listOps() {
        return quote(schema) + "." + LIST_OPS;
    }

    String table(Child child) {
        return quote(schema) + "." + quote(child.physical());
    }

    /** The declared fields in their declared order. */
    Map<String, Column> fields() {
        return fields;
    }

    /** The child tables by name. */
    Map<String, Child> children() {
        return children;
    }

    /** Creates the schema, the shared checkpoint table and function, and this read model's tables, if missing. */
    List<String> ddl() {
        List<String> ddl = new ArrayList<>();
        ddl.add("create schema if not exists " + quote(schema));
        ddl.add("""
                create table if not exists %s (
                    name       text        not null,
                    version    int         not null,
                    tx_id      bigint      not null,
                    position   bigint      not null,
                    hash       text,
                    updated_at timestamptz not null default now(),
                    primary key (name, version)
                )""".formatted(checkpoints()));
        ddl.add("""
                create or replace function %s(current jsonb, ops jsonb) returns jsonb
                language plpgsql immutable as $fn$
                declare
                    result jsonb := case when jsonb_typeof(current) = 'array' then current else '[]'::jsonb end;
                    op jsonb;
                begin
                    for op in select value from jsonb_array_elements(ops) loop
                        if op->>0 = 'add' then
                            if not result @> jsonb_build_array(op->1) then
                                result := result || jsonb_build_array(op->1);
                            end if;
                        elsif op->>0 = 'remove' then
                            select coalesce(jsonb_agg(e order by o), '[]'::jsonb) into result
                              from jsonb_array_elements(result) with ordinality as a(e, o)
                             where e <> op->1;
                        elsif op->>0 = 'append' then
                            result := result || jsonb_build_array(op->1);
                        end if;
                    end loop;
                    return result;
                end
                $fn$""".formatted(listOps()));
        StringBuilder table = new StringBuilder("create table if not exists " + main() + " (\n    key text primary key");
        for (Column column : fields.values()) {
            table.append(",\n    ").append(column.quoted()).append(' ').append(column.sqlType());
        }
        ddl.add(table.append("\n)").toString());
        for (Child child : children.values()) {
            StringBuilder t = new StringBuilder("create table if not exists " + table(child)
                    + " (\n    parent_key text not null");
            List<String> key = new ArrayList<>(List.of(PARENT_KEY));
            for (Column k : child.key()) {
                t.append(",\n    ").append(k.quoted()).append(' ').append(k.sqlType()).append(" not null");
                key.add(k.quoted());
            }
            for (Column v : child.values().values()) {
                t.append(",\n    ").append(v.quoted()).append(' ').append(v.sqlType());
            }
            t.append(",\n    primary key (").append(String.join(", ", key)).append(")\n)");
            ddl.add(t.toString());
        }
        ddl.add("create table if not exists " + versions()
                + " (\n    stream_id text primary key,\n    version bigint not null\n)");
        return ddl;
    }

    /** This read model's tables, main table first. */
    List<String> ownTables() {
        List<String> tables = new ArrayList<>();
        tables.add(main());
        for (Child child : children.values()) {
            tables.add(table(child));
        }
        tables.add(versions());
        return tables;
    }
}
