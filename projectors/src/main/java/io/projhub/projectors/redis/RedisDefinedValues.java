package io.projhub.projectors.redis;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.projhub.definitions.Timestamps;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.FieldType;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * How values of declared fields are written to and read from Redis hash fields (strings): a long as its decimal
 * digits, a decimal as its exact plain string at the field's scale ({@code 10.50}), a double as Java prints it, a
 * boolean as {@code true}/{@code false}, a timestamp as ISO-8601, a keyword or text as is, and a set, list or object
 * as compact JSON (decimals plain at their scale, object keys sorted), so that equal values always have the same
 * text (the script compares set elements by their JSON text).
 */
final class RedisDefinedValues {

    static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private RedisDefinedValues() {
    }

    /** The hash field text of a whole value of {@code spec} (null spec: the field is not declared). */
    static String fieldText(String field, FieldSpec spec, Object value) throws ChangeFailure {
        FieldType type = spec == null ? inferred(value) : spec.type();
        int scale = spec == null ? naturalScale(value) : spec.scale();
        return switch (type) {
            case SET, LIST -> {
                if (!(value instanceof Collection<?> values)) {
                    throw failure(field, type, value);
                }
                FieldType elementType = spec == null ? null : spec.elementType();
                Collection<String> texts = type == FieldType.SET ? new LinkedHashSet<>() : new ArrayList<>();
                for (Object element : values) {
                    texts.add(elementJson(field, elementType, scale, element));
                }
                yield "[" + String.join(",", texts) + "]";
            }
            case OBJECT -> JSON.writeValueAsString(node(field, value));
            default -> scalarText(field, type, scale, value);
        };
    }

    /** The JSON text of one element of a set or list ({@code elementType} null: inferred from the value). */
    static String elementJson(String field, FieldType elementType, int scale, Object value) throws ChangeFailure {
        FieldType type = elementType == null ? inferred(value) : elementType;
        if (type.collection()) {
            throw new ChangeFailure("field " + field + ": an element of a set or list cannot be a collection");
        }
        JsonNode node = switch (type) {
            case KEYWORD, TEXT, TIMESTAMP -> NODES.stringNode(scalarText(field, type, scale, value));
            case LONG -> NODES.numberNode(toLong(field, value));
            case DOUBLE -> NODES.numberNode(toDouble(field, value));
            case DECIMAL -> NODES.numberNode(toDecimal(field, scale, value));
            case BOOLEAN -> NODES.booleanNode(toBoolean(field, value));
            default -> node(field, value);
        };
        return JSON.writeValueAsString(node);
    }

    static String scalarText(String field, FieldType type, int scale, Object value) throws ChangeFailure {
        return switch (type) {
            case KEYWORD, TEXT -> {
                if (value instanceof String || value instanceof Number || value instanceof Boolean
                        || value instanceof Character) {
                    yield value instanceof BigDecimal d ? d.toPlainString() : value.toString();
                }
                throw failure(field, type, value);
            }
            case LONG -> Long.toString(toLong(field, value));
            case DOUBLE -> Double.toString(toDouble(field, value));
            case DECIMAL -> toDecimal(field, scale, value).toPlainString();
            case BOOLEAN -> Boolean.toString(toBoolean(field, value));
            case TIMESTAMP -> {
                if (value instanceof Instant instant) {
                    yield instant.toString();
                }
                if (value instanceof String text) {
                    try {
                        yield Timestamps.parseInstant(text).toString();
                    } catch (DateTimeParseException e) {
                        throw new ChangeFailure("field " + field + ": not an ISO-8601 instant: " + text, e);
                    }
                }
                throw failure(field, type, value);
            }
            case SET, LIST, OBJECT -> throw failure(field, type, value);
        };
    }

    static long toLong(String field, Object value) throws ChangeFailure {
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        try {
            if (value instanceof BigInteger big) {
                return big.longValueExact();
            }
            if (value instanceof BigDecimal decimal) {
                return decimal.longValueExact();
            }
        } catch (ArithmeticException e) {
            throw new ChangeFailure("field " + field + ": " + value + " is not a 64-bit long", e);
        }
        throw failure(field, FieldType.LONG, value);
    }

    static double toDouble(String field, Object value) throws ChangeFailure {
        if (!(value instanceof Number number)) {
            throw failure(field, FieldType.DOUBLE, value);
        }
        double d = number.doubleValue();
        if (!Double.isFinite(d)) {
            throw new ChangeFailure("field " + field + ": " + value + " is not a finite number");
        }
        return d;
    }

    /** The value at exactly {@code scale} decimals; never through a double. */
    static BigDecimal toDecimal(String field, int scale, Object value) throws ChangeFailure {
        BigDecimal decimal;
        if (value instanceof BigDecimal d) {
            decimal = d;
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short
                || value instanceof Byte) {
            decimal = BigDecimal.valueOf(((Number) value).longValue());
        } else if (value instanceof BigInteger big) {
            decimal = new BigDecimal(big);
        } else {
            throw failure(field, FieldType.DECIMAL, value);
        }
        try {
            return decimal.setScale(scale, RoundingMode.UNNECESSARY);
        } catch (ArithmeticException e) {
            throw new ChangeFailure("field " + field + ": " + decimal.toPlainString() + " has more decimals than "
                    + "the scale " + scale, e);
        }
    }

    static boolean toBoolean(String field, Object value) throws ChangeFailure {
        if (value instanceof Boolean b) {
            return b;
        }
        throw failure(field, FieldType.BOOLEAN, value);
    }

    /** A JSON-like value (object fields) as a node: maps with sorted string keys, lists, scalars. */
    static JsonNode node(String field, Object value) throws ChangeFailure {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof String s) {
            return NODES.stringNode(s);
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return NODES.numberNode(((Number) value).longValue());
        }
        if (value instanceof BigInteger big) {
            return NODES.numberNode(big);
        }
        if (value instanceof BigDecimal decimal) {
            return NODES.numberNode(decimal);
        }
        if (value instanceof Double || value instanceof Float) {
            return NODES.numberNode(toDouble(field, value));
        }
        if (value instanceof Instant instant) {
            return NODES.stringNode(instant.toString());
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode object = NODES.objectNode();
            Map<String, Object> sorted = new TreeMap<>();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!(entry.getKey() instanceof String key)) {
                    throw new ChangeFailure("field " + field + ": an object's keys must be strings: " + entry.getKey());
                }
                sorted.put(key, entry.getValue());
            }
            for (Map.Entry<String, Object> entry : sorted.entrySet()) {
                object.set(entry.getKey(), node(field, entry.getValue()));
            }
            return object;
        }
        if (value instanceof Collection<?> values) {
            ArrayNode array = NODES.arrayNode();
            for (Object element : values) {
                array.add(node(field, element));
            }
            return array;
        }
        throw new ChangeFailure("field " + field + ": cannot store a " + value.getClass().getSimpleName());
    }

    /** The type a value of an undeclared field is stored as. */
    static FieldType inferred(Object value) {
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte
                || value instanceof BigInteger) {
            return FieldType.LONG;
        }
        if (value instanceof BigDecimal) {
            return FieldType.DECIMAL;
        }
        if (value instanceof Double || value instanceof Float) {
            return FieldType.DOUBLE;
        }
        if (value instanceof Boolean) {
            return FieldType.BOOLEAN;
        }
        if (value instanceof Instant) {
            return FieldType.TIMESTAMP;
        }
        if (value instanceof Collection<?>) {
            return FieldType.LIST;
        }
        if (value instanceof Map<?, ?>) {
            return FieldType.OBJECT;
        }
        return FieldType.KEYWORD;
    }

    /** The scale of an undeclared decimal value: its own (at least 0). */
    static int naturalScale(Object value) {
        return value instanceof BigDecimal d ? Math.max(d.scale(), 0) : FieldSpec.DEFAULT_SCALE;
    }

    private static ChangeFailure failure(String field, FieldType type, Object value) {
        return new ChangeFailure("field " + field + " is a " + type.id() + ", cannot take "
                + (value == null ? "null" : value.getClass().getSimpleName() + " " + value));
    }

    // ---- reading back ----

    /** A stored hash field as the Java value of its declared type (an undeclared field: the string). */
    static Object read(FieldSpec spec, String text) {
        if (spec == null) {
            return text;
        }
        try {
            return switch (spec.type()) {
                case KEYWORD, TEXT, TIMESTAMP -> text;
                case LONG -> Long.parseLong(text);
                case DOUBLE -> Double.parseDouble(text);
                case DECIMAL -> new BigDecimal(text).setScale(spec.scale(), RoundingMode.UNNECESSARY);
                case BOOLEAN -> Boolean.parseBoolean(text);
                case SET, LIST -> {
                    List<Object> values = new ArrayList<>();
                    for (JsonNode element : JSON.readTree(text).values()) {
                        values.add(element(spec.elementType(), spec.scale(), element));
                    }
                    yield values;
                }
                case OBJECT -> plain(JSON.readTree(text));
            };
        } catch (RuntimeException e) {
            return text; // not what the definition declares (written before a type change): shown as stored
        }
    }

    private static Object element(FieldType type, int scale, JsonNode node) {
        return switch (type) {
            case KEYWORD, TEXT, TIMESTAMP -> node.asString();
            case LONG -> node.longValue();
            case DOUBLE -> node.doubleValue();
            case DECIMAL -> node.decimalValue().setScale(scale, RoundingMode.UNNECESSARY);
            case BOOLEAN -> node.booleanValue();
            default -> plain(node);
        };
    }

    /** A JSON node as String, Long, BigDecimal, Boolean, List, Map or null. */
    static Object plain(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isString()) {
            return node.stringValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
        }
        if (node.isNumber()) {
            return node.decimalValue();
        }
        if (node.isArray()) {
            List<Object> values = new ArrayList<>();
            for (JsonNode element : node.values()) {
                values.add(plain(element));
            }
            return values;
        }
        Map<String, Object> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            map.put(entry.getKey(), plain(entry.getValue()));
        }
        return map;
    }
}
