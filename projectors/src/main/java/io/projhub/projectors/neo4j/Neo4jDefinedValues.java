package io.projhub.projectors.neo4j;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import io.projhub.definitions.Timestamps;
import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.FieldType;

/**
 * How the values of a definition's fields are stored as Neo4j properties and read back:
 * <ul>
 *   <li>{@code decimal}: an exact string with the field's scale ({@code "10.50"}): Neo4j has no decimal type and
 *       a double is not exact; read back as a {@link BigDecimal} of that scale;</li>
 *   <li>{@code timestamp}: a Neo4j {@code DateTime} in UTC (so Cypher can compare and sort it); read back as an
 *       {@link Instant}, and as an ISO-8601 string in {@link #jsonReady};</li>
 *   <li>{@code set}, {@code list}: a Neo4j list of the element type stored as above (a set without duplicates);</li>
 *   <li>{@code object}: a JSON string; read back as maps, lists, strings, longs, BigDecimals and booleans;</li>
 *   <li>{@code keyword}, {@code text}, {@code long}, {@code double}, {@code boolean}: as they are.</li>
 * </ul>
 * A value of an undeclared property (relationship properties, a placeholder node's properties) is stored by its
 * Java type the same way (BigDecimal as a string, Instant as a DateTime, a map or a list of maps as JSON).
 */
final class Neo4jDefinedValues {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    private final Map<String, FieldSpec> fields;

    Neo4jDefinedValues(Map<String, FieldSpec> fields) {
        this.fields = Map.copyOf(fields);
    }

    FieldSpec spec(String field) {
        return fields.get(field);
    }

    // ---- Java value -> stored property ----

    /**
     * The property value of {@code value} for {@code field} (null stays null: the property is removed).
     *
     * @throws IllegalArgumentException if the value cannot be stored as the field's type (a decimal with more digits
     *                                  than the field's scale, a value of a type Neo4j cannot hold)
     */
    Object toStored(String field, Object value) {
        FieldSpec spec = fields.get(field);
        return spec == null ? storedGeneric(value) : toStored(spec.type(), spec.elementType(), spec.scale(), field, value);
    }

    private static Object toStored(FieldType type, FieldType elementType, int scale, String field, Object value) {
        if (value == null) {
            return null;
        }
        switch (type) {
            case DECIMAL:
                return scaled(decimal(value, field), scale, field).toPlainString();
            case TIMESTAMP:
                return dateTime(value, field);
            case LONG:
                if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
                    return ((Number) value).longValue();
                }
                throw new IllegalArgumentException("field " + field + ": a long value expected, not " + describe(value));
            case DOUBLE:
                if (value instanceof Number number && !(value instanceof BigDecimal)) {
                    return number.doubleValue();
                }
                throw new IllegalArgumentException("field " + field + ": a double value expected, not " + describe(value));
            case SET:
            case LIST: {
                if (!(value instanceof List<?> list)) {
                    throw new IllegalArgumentException("field " + field + ": a list expected, not " + describe(value));
                }
                List<Object> stored = new ArrayList<>(list.size());
                for (Object element : type == FieldType.SET ? new LinkedHashSet<>(list) : list) {
                    if (element == null) {
                        throw new IllegalArgumentException("field " + field + ": a " + type.id() + " holds no null");
                    }
                    stored.add(toStored(elementType, null, scale, field, element));
                }
                return stored;
            }
            case OBJECT:
                return json(value);
            default:
                return storedGeneric(value);
        }
    }

    /** A value of no declared type, stored by its Java type. */
    static Object storedGeneric(Object value) {
        if (value == null || value instanceof String || value instanceof Boolean || value instanceof Long
                || value instanceof Double) {
            return value;
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.toPlainString();
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        if (value instanceof Instant instant) {
            return instant.atOffset(ZoneOffset.UTC);
        }
        if (value instanceof Temporal) {
            return value;
        }
        if (value instanceof Map<?, ?>) {
            return json(value);
        }
        if (value instanceof List<?> list) {
            if (list.stream().anyMatch(e -> e == null || e instanceof Map<?, ?> || e instanceof List<?>)) {
                return json(value);
            }
            return list.stream().map(Neo4jDefinedValues::storedGeneric).toList();
        }
        throw new IllegalArgumentException("a value of type " + value.getClass().getName()
                + " cannot be a Neo4j property");
    }

    // ---- stored property -> Java value ----

    /** The Java value (per {@link FieldType}) of a stored property; undeclared properties come back as stored. */
    Object toTyped(String field, Object stored) {
        FieldSpec spec = fields.get(field);
        return spec == null ? stored : toTyped(spec.type(), spec.elementType(), spec.scale(), stored);
    }

    private static Object toTyped(FieldType type, FieldType elementType, int scale, Object stored) {
        if (stored == null) {
            return null;
        }
        switch (type) {
            case DECIMAL: {
                BigDecimal decimal = stored instanceof BigDecimal d ? d : new BigDecimal(stored.toString());
                try {
                    return decimal.setScale(scale);
                } catch (ArithmeticException e) {
                    return decimal; // more digits than the scale (written by hand): keep them all, never round
                }
            }
            case TIMESTAMP:
                return instant(stored);
            case LONG:
                return stored instanceof Number n ? (Object) n.longValue() : stored;
            case DOUBLE:
                return stored instanceof Number n ? (Object) n.doubleValue() : stored;
            case SET:
            case LIST: {
                if (!(stored instanceof List<?> list)) {
                    return stored;
                }
                List<Object> typed = new ArrayList<>(list.size());
                for (Object element : list) {
                    typed.add(toTyped(elementType, null, scale, element));
                }
                return typed;
            }
            case OBJECT:
                return stored instanceof String text ? parseJson(text) : stored;
            default:
                return stored;
        }
    }

    /** The JSON-ready form of a stored property: typed, then timestamps as ISO-8601 strings. */
    Object jsonReady(String field, Object stored) {
        return jsonReady(toTyped(field, stored));
    }

    /** Instants and Neo4j date-times as ISO-8601 strings, lists and maps element by element; the rest as it is. */
    static Object jsonReady(Object value) {
        if (value instanceof Instant instant) {
            return instant.toString();
        }
        if (value instanceof ZonedDateTime zoned) {
            return zoned.toInstant().toString();
        }
        if (value instanceof OffsetDateTime offset) {
            return offset.toInstant().toString();
        }
        if (value instanceof Temporal temporal) {
            return temporal.toString();
        }
        if (value instanceof List<?> list) {
            return list.stream().map(Neo4jDefinedValues::jsonReady).toList();
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> ready = new TreeMap<>();
            map.forEach((k, v) -> ready.put(String.valueOf(k), jsonReady(v)));
            return new LinkedHashMap<>(ready);
        }
        return value;
    }

    // ---- helpers ----

    private static BigDecimal decimal(Object value, String field) {
        if (value instanceof BigDecimal decimal) {
            return decimal;
        }
        if (value instanceof Long || value instanceof Integer || value instanceof String) {
            try {
                return new BigDecimal(value.toString());
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new IllegalArgumentException("field " + field + ": a decimal value expected, not " + describe(value));
    }

    private static BigDecimal scaled(BigDecimal value, int scale, String field) {
        try {
            return value.setScale(scale);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("field " + field + ": " + value.toPlainString() + " has more than "
                    + scale + " digits after the point", e);
        }
    }

    private static OffsetDateTime dateTime(Object value, String field) {
        if (value instanceof Instant instant) {
            return instant.atOffset(ZoneOffset.UTC);
        }
        if (value instanceof OffsetDateTime offset) {
            return offset.withOffsetSameInstant(ZoneOffset.UTC);
        }
        if (value instanceof ZonedDateTime zoned) {
            return zoned.toInstant().atOffset(ZoneOffset.UTC);
        }
        if (value instanceof String text) {
            try {
                return Timestamps.parseInstant(text).atOffset(ZoneOffset.UTC);
            } catch (RuntimeException e) {
                // fall through
            }
        }
        throw new IllegalArgumentException("field " + field + ": a timestamp expected, not " + describe(value));
    }

    private static Object instant(Object stored) {
        if (stored instanceof ZonedDateTime zoned) {
            return zoned.toInstant();
        }
        if (stored instanceof OffsetDateTime offset) {
            return offset.toInstant();
        }
        if (stored instanceof String text) {
            try {
                return Timestamps.parseInstant(text);
            } catch (RuntimeException e) {
                return text;
            }
        }
        return stored;
    }

    static String json(Object value) {
        return JSON.writeValueAsString(jsonReady(value));
    }

    static Object parseJson(String text) {
        try {
            return JSON.readValue(text, Object.class);
        } catch (RuntimeException e) {
            return text; // not JSON (written by hand): the string as it is
        }
    }

    private static String describe(Object value) {
        return value.getClass().getSimpleName() + " " + value;
    }
}
