package io.projhub.projectors.jdbc;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.FieldType;
import io.projhub.definitions.changes.Change;
import io.projhub.definitions.changes.DeleteDocument;
import io.projhub.definitions.changes.DocumentChange;
import io.projhub.definitions.changes.FieldOp;
import io.projhub.definitions.changes.RowChange;
import io.projhub.projectors.jdbc.DefinedTables.Child;
import io.projhub.projectors.jdbc.DefinedTables.Column;

/**
 * The changes of one batch's new events, composed per document and per child row in event order, then written with
 * one JDBC batch per statement shape. Composing keeps the batch's meaning while letting many events share a
 * statement:
 * <ul>
 *   <li>per field of a document, a {@code Set}/{@code Unset} gives a known value, and any later operation on a known
 *       value is computed here (exactly: longs, BigDecimals at the field's scale); operations on the value the row
 *       already holds stay in SQL: increments are summed into one {@code coalesce(col, 0) + delta}, set and list
 *       operations are kept in order and run by {@code projhub_list_ops} on the jsonb column;</li>
 *   <li>a {@code DeleteDocument} forgets what came before it for that document and its child rows, and deletes the
 *       row and the child rows before the batch's upserts;</li>
 *   <li>a child row's upserts merge their columns (the later value wins); its delete runs before the upserts.</li>
 * </ul>
 * Deletes run first, then document upserts, then child-row upserts; different documents are independent, so this
 * order gives the same result as applying the changes one by one.
 */
final class DefinedBatch {

    private enum Kind { VALUE, DELTA, LIST_OPS }

    /** What the batch does to one field of one document. */
    private static final class FieldPlan {
        Kind kind;
        Object value;
        Number delta;
        List<List<Object>> ops;

        static FieldPlan value(Object value) {
            FieldPlan plan = new FieldPlan();
            plan.kind = Kind.VALUE;
            plan.value = value;
            return plan;
        }
    }

    private static final class DocumentPlan {
        boolean delete;
        boolean upsert;
        final Map<String, FieldPlan> fields = new HashMap<>();
    }

    private record RowId(String table, String parentKey, List<Object> key) {
    }

    private static final class RowPlan {
        boolean delete;
        boolean upsert;
        final Map<String, Object> values = new HashMap<>();
    }

    private final DefinedTables tables;
    private final String source;
    private final Map<String, DocumentPlan> documents = new LinkedHashMap<>();
    /** Child rows by parent key, so that a document's delete drops its children's plans at once. */
    private final Map<String, Map<RowId, RowPlan>> rows = new HashMap<>();
    private int changes;

    DefinedBatch(DefinedTables tables) {
        this.tables = tables;
        this.source = tables.definition().source();
    }

    int changes() {
        return changes;
    }

    /** Adds one change of {@code event}; a change this store cannot make is the event's failure. */
    void add(RecordedEvent event, Change change) throws ChangeFailure {
        changes++;
        if (change instanceof DocumentChange document) {
            addDocument(event, document);
        } else if (change instanceof DeleteDocument delete) {
            DocumentPlan plan = documentPlan(event, delete.key());
            plan.delete = true;
            plan.upsert = false;
            plan.fields.clear();
            rows.remove(delete.key());
        } else if (change instanceof RowChange row) {
            addRow(event, row);
        } else {
            throw failure(event, "a " + change.getClass().getSimpleName()
                    + " is not supported by a postgres read model (DocumentChange, DeleteDocument and RowChange are)");
        }
    }

    private DocumentPlan documentPlan(RecordedEvent event, String key) throws ChangeFailure {
        if (key == null) {
            throw failure(event, "a document needs a key");
        }
        return documents.computeIfAbsent(key, k -> new DocumentPlan());
    }

    private void addDocument(RecordedEvent event, DocumentChange change) throws ChangeFailure {
        DocumentPlan plan = documentPlan(event, change.key());
        plan.upsert = true;
        for (FieldOp op : change.ops()) {
            Column column = tables.fields().get(op.field());
            if (column == null) {
                throw failure(event, "field '" + op.field() + "' is not declared");
            }
            try {
                apply(plan, column, op);
            } catch (DefinedValues.BadValue | ArithmeticException e) {
                throw failure(event, "field '" + op.field() + "': " + e.getMessage());
            }
        }
    }

    private void apply(DocumentPlan document, Column column, FieldOp op) throws DefinedValues.BadValue {
        String field = column.name();
        FieldPlan plan = document.fields.get(field);
        if (op instanceof FieldOp.Set set) {
            document.fields.put(field, FieldPlan.value(DefinedValues.canonical(column.spec(), set.value())));
        } else if (op instanceof FieldOp.Unset) {
            document.fields.put(field, FieldPlan.value(null));
        } else if (op instanceof FieldOp.Increment increment) {
            Number delta = DefinedValues.delta(column.spec(), increment.delta());
            if (plan == null) {
                plan = new FieldPlan();
                plan.kind = Kind.DELTA;
                plan.delta = delta;
                document.fields.put(field, plan);
            } else if (plan.kind == Kind.VALUE) {
                plan.value = plan.value == null ? delta : add((Number) plan.value, delta);
            } else {
                plan.delta = add(plan.delta, delta);
            }
        } else {
            if (!column.type().collection()) {
                throw new DefinedValues.BadValue("a " + column.type().id() + " field has no "
                        + op.getClass().getSimpleName());
            }
            Object value = op instanceof FieldOp.AddToSet a ? a.value()
                    : op instanceof FieldOp.Remove r ? r.value() : ((FieldOp.Append) op).value();
            Object element = DefinedValues.element(column.spec(), value);
            String name = op instanceof FieldOp.Remove ? "remove"
                    : op instanceof FieldOp.AddToSet || column.type() == FieldType.SET ? "add" : "append";
            if (plan == null) {
                plan = new FieldPlan();
                plan.kind = Kind.LIST_OPS;
                plan.ops = new ArrayList<>();
                document.fields.put(field, plan);
            }
            if (plan.kind == Kind.LIST_OPS) {
                plan.ops.add(java.util.Arrays.asList(name, element));
            } else {
                @SuppressWarnings("unchecked")
                List<Object> values = plan.value == null ? new ArrayList<>() : new ArrayList<>((List<Object>) plan.value);
                switch (name) {
                    case "add" -> {
                        if (!values.contains(element)) {
                            values.add(element);
                        }
                    }
                    case "remove" -> values.removeIf(element::equals);
                    default -> values.add(element);
                }
                plan.value = values;
            }
        }
    }

    /** Exact addition in the field's type (both numbers are already canonical). */
    private static Number add(Number a, Number b) {
        if (a instanceof BigDecimal x) {
            return x.add((BigDecimal) b);
        }
        if (a instanceof Double x) {
            return x + b.doubleValue();
        }
        return Math.addExact(a.longValue(), b.longValue());
    }

    private void addRow(RecordedEvent event, RowChange change) throws ChangeFailure {
        Child child = tables.children().get(change.table());
        if (child == null) {
            throw failure(event, "no child table '" + change.table() + "' (declared: "
                    + tables.children().keySet() + ")");
        }
        if (change.parentKey() == null) {
            throw failure(event, "a row of " + child.name() + " needs a parent key");
        }
        List<Object> key = new ArrayList<>();
        for (Column k : child.key()) {
            if (!change.key().containsKey(k.name())) {
                throw failure(event, "a row of " + child.name() + " needs its key column '" + k.name() + "'");
            }
            try {
                key.add(DefinedValues.canonical(k.spec(), change.key().get(k.name())));
            } catch (DefinedValues.BadValue e) {
                throw failure(event, child.name() + "." + k.name() + ": " + e.getMessage());
            }
        }
        for (String k : change.key().keySet()) {
            if (child.key().stream().noneMatch(c -> c.name().equals(k))) {
                throw failure(event, "'" + k + "' is not a key column of " + child.name());
            }
        }
        RowPlan plan = rows.computeIfAbsent(change.parentKey(), p -> new LinkedHashMap<>())
                .computeIfAbsent(new RowId(child.name(), change.parentKey(), key), id -> new RowPlan());
        if (change.delete()) {
            plan.delete = true;
            plan.upsert = false;
            plan.values.clear();
            return;
        }
        plan.upsert = true;
        for (Map.Entry<String, Object> value : change.values().entrySet()) {
            Column column = child.values().get(value.getKey());
            if (column == null) {
                throw failure(event, "'" + value.getKey() + "' is not a column of " + child.name()
                        + (child.column(value.getKey()) != null ? " to set (it is a key column)" : ""));
            }
            try {
                plan.values.put(column.name(), DefinedValues.canonical(column.spec(), value.getValue()));
            } catch (DefinedValues.BadValue e) {
                throw failure(event, child.name() + "." + column.name() + ": " + e.getMessage());
            }
        }
    }

    private ChangeFailure failure(RecordedEvent event, String message) {
        return new ChangeFailure(source + ": event " + event.type() + " " + event.streamId() + "@" + event.version()
                + ": " + message);
    }

    /** Writes the composed changes on {@code c} (inside the batch's transaction). */
    void write(Connection c) throws SQLException {
        deleteDocuments(c);
        deleteRows(c);
        upsertDocuments(c);
        upsertRows(c);
    }

    private void deleteDocuments(Connection c) throws SQLException {
        String[] keys = documents.entrySet().stream().filter(e -> e.getValue().delete).map(Map.Entry::getKey)
                .toArray(String[]::new);
        if (keys.length == 0) {
            return;
        }
        List<String> statements = new ArrayList<>();
        statements.add("delete from " + tables.main() + " where key = any(?)");
        for (Child child : tables.children().values()) {
            statements.add("delete from " + tables.table(child) + " where parent_key = any(?)");
        }
        java.sql.Array array = c.createArrayOf("text", keys);
        for (String sql : statements) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setArray(1, array);
                ps.executeUpdate();
            }
        }
    }

    private void deleteRows(Connection c) throws SQLException {
        Map<String, List<RowId>> byTable = new LinkedHashMap<>();
        for (Map<RowId, RowPlan> ofParent : rows.values()) {
            ofParent.forEach((id, plan) -> {
                if (plan.delete) {
                    byTable.computeIfAbsent(id.table(), t -> new ArrayList<>()).add(id);
                }
            });
        }
        for (Map.Entry<String, List<RowId>> table : byTable.entrySet()) {
            Child child = tables.children().get(table.getKey());
            StringBuilder sql = new StringBuilder("delete from " + tables.table(child) + " where parent_key = ?");
            for (Column k : child.key()) {
                sql.append(" and ").append(k.quoted()).append(" = ").append(k.parameter());
            }
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (RowId id : table.getValue()) {
                    ps.setString(1, id.parentKey());
                    for (int i = 0; i < child.key().size(); i++) {
                        DefinedValues.bind(ps, i + 2, child.key().get(i), id.key().get(i));
                    }
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    /** One statement per shape (which fields, and how each changes), run as a JDBC batch over its documents. */
    private void upsertDocuments(Connection c) throws SQLException {
        Map<List<Object>, List<Map.Entry<String, DocumentPlan>>> byShape = new LinkedHashMap<>();
        for (Map.Entry<String, DocumentPlan> document : documents.entrySet()) {
            if (!document.getValue().upsert) {
                continue;
            }
            List<Object> shape = new ArrayList<>();
            for (Column column : tables.fields().values()) {
                FieldPlan plan = document.getValue().fields.get(column.name());
                if (plan != null) {
                    shape.add(column.name());
                    shape.add(plan.kind);
                }
            }
            byShape.computeIfAbsent(shape, s -> new ArrayList<>()).add(document);
        }
        for (Map.Entry<List<Object>, List<Map.Entry<String, DocumentPlan>>> group : byShape.entrySet()) {
            List<Object> shape = group.getKey();
            List<Column> columns = new ArrayList<>();
            List<Kind> kinds = new ArrayList<>();
            for (int i = 0; i < shape.size(); i += 2) {
                columns.add(tables.fields().get((String) shape.get(i)));
                kinds.add((Kind) shape.get(i + 1));
            }
            try (PreparedStatement ps = c.prepareStatement(upsertSql(columns, kinds))) {
                for (Map.Entry<String, DocumentPlan> document : group.getValue()) {
                    int p = 1;
                    ps.setString(p++, document.getKey());
                    for (Column column : columns) {
                        FieldPlan plan = document.getValue().fields.get(column.name());
                        switch (plan.kind) {
                            case VALUE -> DefinedValues.bind(ps, p++, column, plan.value);
                            case DELTA -> DefinedValues.bind(ps, p++, column, plan.delta);
                            case LIST_OPS -> ps.setString(p++, DefinedValues.json(plan.ops));
                        }
                    }
                    for (Column column : columns) {
                        FieldPlan plan = document.getValue().fields.get(column.name());
                        if (plan.kind == Kind.LIST_OPS) {
                            ps.setString(p++, DefinedValues.json(plan.ops));
                        }
                    }
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    private String upsertSql(List<Column> columns, List<Kind> kinds) {
        StringBuilder names = new StringBuilder("key");
        StringBuilder values = new StringBuilder("?");
        List<String> updates = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            Column column = columns.get(i);
            String q = column.quoted();
            names.append(", ").append(q);
            switch (kinds.get(i)) {
                case VALUE -> {
                    values.append(", ").append(column.parameter());
                    updates.add(q + " = excluded." + q);
                }
                case DELTA -> {
                    // the inserted value is the delta itself (nothing + delta), so excluded holds the delta
                    values.append(", ").append(column.parameter());
                    updates.add(q + " = coalesce(t." + q + ", 0) + excluded." + q);
                }
                case LIST_OPS -> {
                    values.append(", ").append(tables.listOps()).append("(null, ?::jsonb)");
                    updates.add(q + " = " + tables.listOps() + "(t." + q + ", ?::jsonb)");
                }
            }
        }
        String sql = "insert into " + tables.main() + " as t (" + names + ") values (" + values + ") on conflict (key) ";
        return updates.isEmpty() ? sql + "do nothing" : sql + "do update set " + String.join(", ", updates);
    }

    private void upsertRows(Connection c) throws SQLException {
        Map<List<String>, List<Map.Entry<RowId, RowPlan>>> byShape = new LinkedHashMap<>();
        for (Map<RowId, RowPlan> ofParent : rows.values()) {
            for (Map.Entry<RowId, RowPlan> row : ofParent.entrySet()) {
                if (!row.getValue().upsert) {
                    continue;
                }
                Child child = tables.children().get(row.getKey().table());
                List<String> shape = new ArrayList<>(List.of(child.name()));
                for (String column : child.values().keySet()) {
                    if (row.getValue().values.containsKey(column)) {
                        shape.add(column);
                    }
                }
                byShape.computeIfAbsent(shape, s -> new ArrayList<>()).add(row);
            }
        }
        for (Map.Entry<List<String>, List<Map.Entry<RowId, RowPlan>>> group : byShape.entrySet()) {
            Child child = tables.children().get(group.getKey().get(0));
            List<Column> columns = group.getKey().subList(1, group.getKey().size()).stream()
                    .map(child.values()::get).toList();
            StringBuilder names = new StringBuilder("parent_key");
            StringBuilder values = new StringBuilder("?");
            List<String> conflict = new ArrayList<>(List.of("parent_key"));
            for (Column k : child.key()) {
                names.append(", ").append(k.quoted());
                values.append(", ").append(k.parameter());
                conflict.add(k.quoted());
            }
            List<String> updates = new ArrayList<>();
            for (Column v : columns) {
                names.append(", ").append(v.quoted());
                values.append(", ").append(v.parameter());
                updates.add(v.quoted() + " = excluded." + v.quoted());
            }
            String sql = "insert into " + tables.table(child) + " (" + names + ") values (" + values
                    + ") on conflict (" + String.join(", ", conflict) + ") "
                    + (updates.isEmpty() ? "do nothing" : "do update set " + String.join(", ", updates));
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (Map.Entry<RowId, RowPlan> row : group.getValue()) {
                    int p = 1;
                    ps.setString(p++, row.getKey().parentKey());
                    for (int i = 0; i < child.key().size(); i++) {
                        DefinedValues.bind(ps, p++, child.key().get(i), row.getKey().key().get(i));
                    }
                    for (Column v : columns) {
                        DefinedValues.bind(ps, p++, v, row.getValue().values.get(v.name()));
                    }
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }
}
