package io.projhub.definitions.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.changes.Change;
import io.projhub.definitions.changes.CounterChange;
import io.projhub.definitions.changes.DeleteDocument;
import io.projhub.definitions.changes.DocumentChange;
import io.projhub.definitions.changes.FieldOp;
import io.projhub.definitions.changes.PointChange;
import io.projhub.definitions.changes.NodeChange;
import io.projhub.definitions.changes.RelationshipChange;
import io.projhub.definitions.changes.RowChange;
import io.projhub.definitions.changes.SortedSetChange;

/** One compiled entry of an event type's list of changes. */
sealed interface Action {

    /** The changes of this action for one event ({@code variables}); {@code key} is the document key. */
    void run(Map<String, Object> variables, String key, List<Change> out) throws ChangeFailure;

    /** A field operation with its value expression (null for unset). */
    record FieldStep(String kind, FieldSpec field, Expression value) {
    }

    record Document(List<FieldStep> steps) implements Action {
        @Override
        public void run(Map<String, Object> variables, String key, List<Change> out) throws ChangeFailure {
            List<FieldOp> ops = new ArrayList<>(steps.size());
            for (FieldStep step : steps) {
                String field = step.field().name();
                if (step.kind().equals("unset")) {
                    ops.add(new FieldOp.Unset(field));
                    continue;
                }
                Object raw = step.value().eval(variables);
                Object value;
                try {
                    value = switch (step.kind()) {
                        case "set" -> Values.toField(step.field(), raw);
                        case "increment", "decrement" -> Values.toScalar(step.field().type(), step.field().scale(), raw);
                        default -> Values.toElement(step.field(), raw);
                    };
                } catch (RuntimeException e) {
                    throw step.value().failure(variables, "field " + field + ": " + e.getMessage());
                }
                if (value == null) {
                    if (step.kind().equals("set")) {
                        ops.add(new FieldOp.Unset(field));
                    }
                    continue;
                }
                if (step.kind().equals("decrement")) {
                    try {
                        value = negate((Number) value);
                    } catch (ArithmeticException e) {
                        throw step.value().failure(variables, "field " + field + ": " + e.getMessage());
                    }
                }
                switch (step.kind()) {
                    case "set" -> ops.add(new FieldOp.Set(field, value));
                    case "increment", "decrement" -> ops.add(new FieldOp.Increment(field, (Number) value));
                    case "add" -> ops.add(new FieldOp.AddToSet(field, value));
                    case "remove" -> ops.add(new FieldOp.Remove(field, value));
                    case "append" -> ops.add(new FieldOp.Append(field, value));
                    default -> throw new IllegalStateException(step.kind());
                }
            }
            if (!ops.isEmpty()) {
                out.add(new DocumentChange(key, ops));
            }
        }

        private static Number negate(Number value) {
            if (value instanceof java.math.BigDecimal d) {
                return d.negate();
            }
            if (value instanceof Double d) {
                return -d;
            }
            return Math.negateExact(value.longValue());
        }
    }

    record Delete() implements Action {
        @Override
        public void run(Map<String, Object> variables, String key, List<Change> out) {
            out.add(new DeleteDocument(key));
        }
    }

    /** Builds the changes of one set of variables. */
    @FunctionalInterface
    interface PerItem {
        void accept(Map<String, Object> variables) throws ChangeFailure;
    }

    /**
     * Without {@code forEach}: {@code perItem} once with {@code variables}. With it: once per element of its list,
     * with {@code item} and its {@code index} (0, 1, …) added; nothing for a null list, a failure for a non-list.
     */
    static void forEachItem(Expression forEach, Map<String, Object> variables, PerItem perItem)
            throws ChangeFailure {
        if (forEach == null) {
            perItem.accept(variables);
            return;
        }
        Object items = forEach.eval(variables);
        if (Values.isNull(items)) {
            return;
        }
        if (!(items instanceof List<?> list)) {
            throw forEach.failure(variables, "forEach needs a list, got " + Values.kind(items));
        }
        long index = 0;
        for (Object item : list) {
            Map<String, Object> withItem = new LinkedHashMap<>(variables);
            withItem.put(CelEnvironment.ITEM, item);
            withItem.put(CelEnvironment.INDEX, index++);
            perItem.accept(withItem);
        }
    }

    record Relationship(String type, String fromLabel, Expression fromKey, Map<String, Expression> fromProperties,
                        String toLabel, Expression toKey, Map<String, Expression> toProperties,
                        Map<String, Expression> properties, List<String> identity, Expression forEach,
                        boolean delete) implements Action {
        @Override
        public void run(Map<String, Object> variables, String key, List<Change> out) throws ChangeFailure {
            forEachItem(forEach, variables, withItem -> out.add(relationship(withItem, key)));
        }

        private RelationshipChange relationship(Map<String, Object> variables, String key) throws ChangeFailure {
            String from = fromKey == null ? key : CompiledProgram.keyOf(fromKey, variables);
            String to = CompiledProgram.keyOf(toKey, variables);
            Map<String, Object> values = untyped(properties, variables);
            for (String name : identity) {
                if (values.get(name) == null) {
                    throw toKey.failure(variables, "the relationship's key property " + name + " has no value");
                }
            }
            return new RelationshipChange(fromLabel, from, type, toLabel, to, values,
                    untyped(fromProperties, variables), untyped(toProperties, variables), identity, delete);
        }
    }

    record Node(String label, Expression key, Map<String, Expression> properties) implements Action {
        @Override
        public void run(Map<String, Object> variables, String documentKey, List<Change> out) throws ChangeFailure {
            out.add(new NodeChange(label, CompiledProgram.keyOf(key, variables), untyped(properties, variables)));
        }
    }

    record Point(Map<String, Expression> tags, Map<String, FieldStep> fields, Expression time) implements Action {
        @Override
        public void run(Map<String, Object> variables, String key, List<Change> out) throws ChangeFailure {
            Map<String, String> tagValues = new LinkedHashMap<>();
            for (Map.Entry<String, Expression> tag : tags.entrySet()) {
                Object value = tag.getValue().eval(variables);
                if (!Values.isNull(value)) {
                    try {
                        tagValues.put(tag.getKey(), String.valueOf(Values.untyped(value)));
                    } catch (RuntimeException e) {
                        throw tag.getValue().failure(variables, "tag " + tag.getKey() + ": " + e.getMessage());
                    }
                }
            }
            Map<String, Object> fieldValues = new LinkedHashMap<>();
            for (FieldStep step : fields.values()) {
                Object raw = step.value().eval(variables);
                try {
                    Object value = Values.toField(step.field(), raw);
                    if (value != null) {
                        fieldValues.put(step.field().name(), value);
                    }
                } catch (RuntimeException e) {
                    throw step.value().failure(variables, "field " + step.field().name() + ": " + e.getMessage());
                }
            }
            if (fieldValues.isEmpty()) {
                return;
            }
            Object at = time == null ? variables.get("recordedAt") : time.eval(variables);
            Instant instant;
            try {
                instant = (Instant) Values.toScalar(io.projhub.definitions.FieldType.TIMESTAMP, 0, at);
            } catch (RuntimeException e) {
                throw (time == null ? new ChangeFailure(e.getMessage()) : time.failure(variables, e.getMessage()));
            }
            out.add(new PointChange(tagValues, fieldValues, instant));
        }
    }

    record Row(String table, Expression forEach, Map<String, FieldStep> key, Map<String, FieldStep> values,
               boolean delete) implements Action {
        @Override
        public void run(Map<String, Object> variables, String parentKey, List<Change> out) throws ChangeFailure {
            forEachItem(forEach, variables, withItem -> out.add(row(withItem, parentKey)));
        }

        private RowChange row(Map<String, Object> variables, String parentKey) throws ChangeFailure {
            return new RowChange(table, parentKey, columns(key, variables, true), columns(values, variables, false),
                    delete);
        }

        private static Map<String, Object> columns(Map<String, FieldStep> steps, Map<String, Object> variables,
                                                   boolean required) throws ChangeFailure {
            Map<String, Object> result = new LinkedHashMap<>();
            for (FieldStep step : steps.values()) {
                Object raw = step.value().eval(variables);
                Object value;
                try {
                    value = Values.toField(step.field(), raw);
                } catch (RuntimeException e) {
                    throw step.value().failure(variables, "column " + step.field().name() + ": " + e.getMessage());
                }
                if (value == null && required) {
                    throw step.value().failure(variables, "key column " + step.field().name() + " is null");
                }
                if (value != null) {
                    result.put(step.field().name(), value);
                }
            }
            return result;
        }
    }

    record Counter(Expression name, Expression by, Integer scale) implements Action {
        @Override
        public void run(Map<String, Object> variables, String key, List<Change> out) throws ChangeFailure {
            String counter = CompiledProgram.keyOf(name, variables);
            Object raw = by.eval(variables);
            Number delta;
            try {
                delta = scale == null
                        ? (Long) Values.toScalar(io.projhub.definitions.FieldType.LONG, 0, raw)
                        : (Number) Values.toScalar(io.projhub.definitions.FieldType.DECIMAL, scale, raw);
            } catch (RuntimeException e) {
                throw by.failure(variables, e.getMessage());
            }
            if (delta != null) {
                out.add(new CounterChange(counter, delta, scale == null ? 0 : scale));
            }
        }
    }

    record SortedSet(Expression name, Expression member, Expression score, boolean increment, boolean remove,
                     long keep) implements Action {
        @Override
        public void run(Map<String, Object> variables, String key, List<Change> out) throws ChangeFailure {
            String set = CompiledProgram.keyOf(name, variables);
            String who = CompiledProgram.keyOf(member, variables);
            double value = 0;
            if (!remove) {
                Object raw = score.eval(variables);
                try {
                    value = (Double) Values.toScalar(io.projhub.definitions.FieldType.DOUBLE, 0,
                            raw instanceof String s ? Decimals.of(s).doubleValue() : raw);
                } catch (RuntimeException e) {
                    throw score.failure(variables, e.getMessage());
                }
            }
            out.add(new SortedSetChange(set, who, value, increment, remove, keep));
        }
    }

    private static Map<String, Object> untyped(Map<String, Expression> expressions, Map<String, Object> variables)
            throws ChangeFailure {
        Map<String, Object> result = new LinkedHashMap<>();
        for (Map.Entry<String, Expression> entry : expressions.entrySet()) {
            Object raw = entry.getValue().eval(variables);
            try {
                Object value = Values.untyped(raw);
                if (value != null) {
                    result.put(entry.getKey(), value);
                }
            } catch (RuntimeException e) {
                throw entry.getValue().failure(variables, entry.getKey() + ": " + e.getMessage());
            }
        }
        return result;
    }
}
