package io.projhub.definitions.audit;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.FieldType;
import io.projhub.definitions.ReadModelDefinition;

/**
 * Compares a document as the definition's fold of the log makes it with the document a store holds, field by declared
 * field, whatever each store made of the types (a decimal as a string or a number, a timestamp as an instant, a
 * string or a date-time, a set as a list): values are brought to one form per declared type first (timestamps to the
 * microsecond, which is what PostgreSQL keeps).
 */
public final class DocumentComparison {

    private DocumentComparison() {
    }

    /** One declared field that differs: the values as the log and as the store have them. */
    public record FieldDifference(String field, Object log, Object store) {
        @Override
        public String toString() {
            return field + ": log " + log + ", store " + store;
        }
    }

    /**
     * @param expected the fold's document (field → value of the declared type; absent fields are unset)
     * @param stored   the store's document as {@code DefinedReadModel.document} answers it; extra keys it holds
     *                 (relationships, child rows, the key) are not compared
     */
    public static List<FieldDifference> compare(ReadModelDefinition definition, Map<String, Object> expected,
                                                Map<String, Object> stored) {
        List<FieldDifference> differences = new ArrayList<>();
        for (FieldSpec spec : definition.fields().values()) {
            Object log = normal(spec.type(), spec.elementType(), expected.get(spec.name()));
            Object store = normal(spec.type(), spec.elementType(), stored.get(spec.name()));
            if (!java.util.Objects.equals(log, store)) {
                differences.add(new FieldDifference(spec.name(), log, store));
            }
        }
        return differences;
    }

    /** A value of a declared field in one form, so that equal values are {@code equals} whatever the store made of it. */
    public static Object normal(FieldSpec spec, Object value) {
        return normal(spec.type(), spec.elementType(), value);
    }

    /** A value in one form per type, so that equal values are {@code equals}; null for no value (or an empty set). */
    static Object normal(FieldType type, FieldType elementType, Object value) {
        if (value == null) {
            return null;
        }
        return switch (type) {
            case KEYWORD, TEXT -> String.valueOf(value);
            case LONG -> value instanceof Number n ? (Object) n.longValue() : parseLong(value);
            case DOUBLE -> value instanceof Number n ? (Object) n.doubleValue() : parseDouble(value);
            case DECIMAL -> decimal(value);
            case BOOLEAN -> value instanceof Boolean b ? b : Boolean.valueOf(String.valueOf(value));
            case TIMESTAMP -> instant(value) instanceof Instant instant ? toMicros(instant) : instant(value);
            case SET -> {
                if (!(value instanceof java.util.Collection<?> values)) {
                    yield value;
                }
                if (values.isEmpty()) {
                    yield null;
                }
                java.util.Set<Object> set = new LinkedHashSet<>();
                values.forEach(v -> set.add(normal(elementType == null ? FieldType.OBJECT : elementType, null, v)));
                yield set;
            }
            case LIST -> {
                if (!(value instanceof java.util.Collection<?> values)) {
                    yield value;
                }
                if (values.isEmpty()) {
                    yield null;
                }
                List<Object> list = new ArrayList<>();
                values.forEach(v -> list.add(normal(elementType == null ? FieldType.OBJECT : elementType, null, v)));
                yield list;
            }
            case OBJECT -> json(value);
        };
    }

    private static Object parseLong(Object value) {
        try {
            return new BigDecimal(String.valueOf(value)).longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            return String.valueOf(value);
        }
    }

    private static Object parseDouble(Object value) {
        try {
            return Double.parseDouble(String.valueOf(value));
        } catch (NumberFormatException e) {
            return String.valueOf(value);
        }
    }

    private static Object decimal(Object value) {
        try {
            BigDecimal decimal = value instanceof BigDecimal d ? d : new BigDecimal(String.valueOf(value));
            return decimal.signum() == 0 ? BigDecimal.ZERO : decimal.stripTrailingZeros();
        } catch (NumberFormatException e) {
            return String.valueOf(value);
        }
    }

    /** PostgreSQL keeps timestamps to the microsecond, rounded: so are both sides before they are compared. */
    private static Instant toMicros(Instant instant) {
        return instant.plusNanos(500).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    private static Object instant(Object value) {
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        if (value instanceof ZonedDateTime zdt) {
            return zdt.toInstant();
        }
        if (value instanceof TemporalAccessor temporal && temporal.isSupported(java.time.temporal.ChronoField.INSTANT_SECONDS)) {
            return Instant.from(temporal);
        }
        String text = String.valueOf(value);
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return ZonedDateTime.parse(text).toInstant();
            } catch (DateTimeParseException again) {
                return text;
            }
        }
    }

    /** Maps sorted by key, numbers as stripped decimals, the rest as text: one form for JSON-like values. */
    private static Object json(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> sorted = new TreeMap<>();
            map.forEach((k, v) -> sorted.put(String.valueOf(k), json(v)));
            return sorted;
        }
        if (value instanceof java.util.Collection<?> values) {
            List<Object> list = new ArrayList<>();
            values.forEach(v -> list.add(json(v)));
            return list;
        }
        if (value instanceof Number || value instanceof BigDecimal) {
            return decimal(value);
        }
        if (value instanceof Boolean) {
            return value;
        }
        return String.valueOf(value);
    }
}
