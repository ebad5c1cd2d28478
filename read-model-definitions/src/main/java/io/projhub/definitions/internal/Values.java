package io.projhub.definitions.internal;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.cel.common.types.CelKind;
import dev.cel.common.types.CelType;
import dev.cel.common.values.NullValue;
import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.FieldType;
import io.projhub.definitions.Timestamps;
import tools.jackson.databind.JsonNode;

/** Conversions between event JSON, CEL values and the declared types of fields. */
final class Values {

    private Values() {
    }

    /** Event JSON as CEL sees it: maps, lists, int (long), double, string, bool, null. */
    static Object fromJson(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return NullValue.NULL_VALUE;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                map.put(entry.getKey(), fromJson(entry.getValue()));
            }
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            Iterator<JsonNode> elements = node.values().iterator();
            while (elements.hasNext()) {
                list.add(fromJson(elements.next()));
            }
            return list;
        }
        if (node.isIntegralNumber()) {
            // beyond a long: the exact digits as a string (a double would round them)
            return node.canConvertToLong() ? node.longValue() : node.bigIntegerValue().toString();
        }
        if (node.isNumber()) {
            java.math.BigDecimal exact = node.decimalValue();
            double d = exact.doubleValue(); // infinite beyond a double's range, never an exception
            // CEL has no decimal: a fraction is a double when that double is the number as written (its shortest
            // form); otherwise (more digits than a double holds) the exact digits as a string, which decimal fields
            // and the decimal functions read exactly, never rounded silently.
            if (!Double.isInfinite(d) && java.math.BigDecimal.valueOf(d).compareTo(exact) == 0) {
                return d;
            }
            if (Math.abs(exact.scale()) > Decimals.MAX_DIGITS || exact.precision() > Decimals.MAX_DIGITS) {
                return exact.toString(); // short scientific form; decimal fields refuse it
            }
            return exact.toPlainString();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        return node.asString();
    }

    /**
     * A stored value as CEL sees it in {@code doc}: decimals as exact strings (for the decimal functions), timestamps
     * as timestamps (an ISO-8601 string of a timestamp field too), lists and maps element by element.
     */
    static Object toCel(FieldSpec spec, Object value) {
        if (value instanceof BigDecimal decimal) {
            return decimal.toPlainString();
        }
        if (value instanceof Integer i) {
            return i.longValue();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        if (value instanceof String s && spec != null && spec.valueType() == FieldType.TIMESTAMP) {
            try {
                return Timestamps.parseInstant(s);
            } catch (DateTimeParseException e) {
                return s;
            }
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(v -> out.add(toCel(spec, v)));
            return out;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), toCel(null, v)));
            return out;
        }
        return value;
    }

    static boolean isNull(Object value) {
        return value == null || value instanceof NullValue;
    }

    /** Whether a CEL result type can be stored in a field of {@code type} (dyn is checked at run time). */
    static boolean compatible(FieldType type, CelType result) {
        CelKind kind = result.kind();
        if (kind == CelKind.DYN || kind == CelKind.ERROR || kind == CelKind.NULL_TYPE || type == FieldType.OBJECT) {
            return true;
        }
        return switch (type) {
            case KEYWORD, TEXT -> kind == CelKind.STRING || kind == CelKind.INT || kind == CelKind.UINT;
            case LONG -> kind == CelKind.INT || kind == CelKind.UINT;
            case DOUBLE -> kind == CelKind.DOUBLE || kind == CelKind.INT || kind == CelKind.UINT;
            case DECIMAL -> kind == CelKind.STRING || kind == CelKind.INT || kind == CelKind.UINT
                    || kind == CelKind.DOUBLE;
            case BOOLEAN -> kind == CelKind.BOOL;
            case TIMESTAMP -> kind == CelKind.TIMESTAMP || kind == CelKind.STRING;
            case SET, LIST -> kind == CelKind.LIST;
            case OBJECT -> true;
        };
    }

    /** A CEL value as a value of {@code spec}'s type ({@link FieldType} javadoc); null stays null. */
    static Object toField(FieldSpec spec, Object value) {
        if (isNull(value)) {
            return null;
        }
        if (spec.type().collection()) {
            if (!(value instanceof List<?> list)) {
                throw new IllegalArgumentException("a " + spec.type().id() + " needs a list, got " + kind(value));
            }
            List<Object> out = new ArrayList<>();
            for (Object element : list) {
                Object converted = toScalar(spec.elementType(), spec.scale(), element);
                if (converted != null && (spec.type() == FieldType.LIST || !out.contains(converted))) {
                    out.add(converted);
                }
            }
            return out;
        }
        return toScalar(spec.type(), spec.scale(), value);
    }

    /** One value of a set or list field. */
    static Object toElement(FieldSpec spec, Object value) {
        return isNull(value) ? null : toScalar(spec.valueType(), spec.scale(), value);
    }

    static Object toScalar(FieldType type, int scale, Object value) {
        if (isNull(value)) {
            return null;
        }
        switch (type) {
            case KEYWORD, TEXT -> {
                if (value instanceof String || value instanceof Long) {
                    return value.toString();
                }
                throw new IllegalArgumentException("a " + type.id() + " needs a string, got " + kind(value));
            }
            case LONG -> {
                if (value instanceof Long l) {
                    return l;
                }
                if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9.0e15) {
                    return d.longValue();
                }
                if (value instanceof String s) {
                    try {
                        return Long.parseLong(s.trim());
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("a long needs a whole number, got '" + s + "'");
                    }
                }
                throw new IllegalArgumentException("a long needs a whole number, got " + kind(value));
            }
            case DOUBLE -> {
                if (value instanceof Number n) {
                    return n.doubleValue();
                }
                throw new IllegalArgumentException("a double needs a number, got " + kind(value));
            }
            case DECIMAL -> {
                BigDecimal decimal = Decimals.of(value);
                try {
                    return decimal.setScale(scale, RoundingMode.UNNECESSARY);
                } catch (ArithmeticException e) {
                    throw new IllegalArgumentException("the decimal " + decimal.toPlainString() + " has more than "
                            + scale + " digits after the point (money is never rounded silently)");
                }
            }
            case BOOLEAN -> {
                if (value instanceof Boolean b) {
                    return b;
                }
                throw new IllegalArgumentException("a boolean needs true or false, got " + kind(value));
            }
            case TIMESTAMP -> {
                if (value instanceof Instant instant) {
                    return instant;
                }
                if (value instanceof String s) {
                    try {
                        return Timestamps.parseInstant(s);
                    } catch (DateTimeParseException e) {
                        throw new IllegalArgumentException("a timestamp needs an ISO-8601 instant, got '" + s + "'");
                    }
                }
                throw new IllegalArgumentException("a timestamp needs a timestamp, got " + kind(value));
            }
            case OBJECT -> {
                return plain(value);
            }
            default -> throw new IllegalArgumentException("no scalar type " + type.id());
        }
    }

    /**
     * A value for a place without a declared type (relationship and end-node properties, tags): a string, long or
     * boolean; a fractional number as its exact decimal string, a timestamp as ISO-8601.
     */
    static Object untyped(Object value) {
        if (isNull(value)) {
            return null;
        }
        if (value instanceof String || value instanceof Long || value instanceof Boolean) {
            return value;
        }
        if (value instanceof Double || value instanceof BigDecimal) {
            return Decimals.of(value).toPlainString();
        }
        if (value instanceof Instant instant) {
            return instant.toString();
        }
        throw new IllegalArgumentException("needs a string, number or boolean, got " + kind(value));
    }

    /** A JSON-like plain value (maps, lists, strings, longs, decimals, booleans) of a CEL value. */
    static Object plain(Object value) {
        if (isNull(value)) {
            return null;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), plain(v)));
            return out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(plain(v)));
            return out;
        }
        if (value instanceof Double d) {
            return Decimals.of(d);
        }
        if (value instanceof Instant instant) {
            return instant.toString();
        }
        if (value instanceof String || value instanceof Long || value instanceof Boolean
                || value instanceof BigDecimal) {
            return value;
        }
        return value.toString();
    }

    static String kind(Object value) {
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Long) {
            return "an int";
        }
        if (value instanceof Double) {
            return "a double";
        }
        if (value instanceof Boolean) {
            return "a bool";
        }
        if (value instanceof List) {
            return "a list";
        }
        if (value instanceof Map) {
            return "a map";
        }
        return value == null ? "null" : value.getClass().getSimpleName();
    }
}
