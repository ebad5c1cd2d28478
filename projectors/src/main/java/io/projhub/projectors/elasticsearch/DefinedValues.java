package io.projhub.projectors.elasticsearch;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.projhub.definitions.Timestamps;
import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.FieldType;

/**
 * The three forms of a declared field's value in the Elasticsearch writer:
 * <ul>
 *   <li><em>typed</em>: the Java types of {@link FieldType} (decimal a {@link BigDecimal} of the field's scale,
 *       timestamp an {@link Instant}), what {@link io.projhub.definitions.changes.DocumentFold} folds;</li>
 *   <li><em>stored</em>: the {@code _source} JSON (decimal as its exact decimal string, e.g. {@code "10.50"},
 *       timestamp as ISO-8601);</li>
 *   <li><em>output</em>: JSON-ready values for callers (decimals as BigDecimal, timestamps as ISO-8601 strings).</li>
 * </ul>
 * Problems with a value are {@link IllegalArgumentException}s naming the field; the writer turns them into the
 * event's {@link io.projhub.definitions.ChangeFailure}.
 */
final class DefinedValues {

    private DefinedValues() {
    }

    /** A value given for the whole field (a Set op) in its typed form; a collection takes a list. */
    static Object normalizeField(FieldSpec spec, Object value) {
        if (spec.type().collection()) {
            if (!(value instanceof List<?> list)) {
                throw new IllegalArgumentException("field " + spec.name() + " is a " + spec.type().id()
                        + " and takes a list, got " + describe(value));
            }
            List<Object> out = new ArrayList<>(list.size());
            for (Object element : list) {
                Object normalized = normalizeScalar(spec, element);
                if (spec.type() == FieldType.SET && out.contains(normalized)) {
                    continue;
                }
                out.add(normalized);
            }
            return out;
        }
        return normalizeScalar(spec, value);
    }

    /** One value of the field's value type (an element for a collection) in its typed form. */
    static Object normalizeScalar(FieldSpec spec, Object value) {
        if (value == null) {
            throw new IllegalArgumentException("field " + spec.name() + ": a null value");
        }
        FieldType type = spec.valueType();
        switch (type) {
            case KEYWORD:
            case TEXT:
                if (value instanceof String s) {
                    return s;
                }
                break;
            case LONG:
                if (value instanceof Long || value instanceof Integer || value instanceof Short
                        || value instanceof Byte) {
                    return ((Number) value).longValue();
                }
                if (value instanceof BigInteger big && big.bitLength() < 64) {
                    return big.longValue();
                }
                break;
            case DOUBLE:
                if (value instanceof Number n) {
                    return n.doubleValue();
                }
                break;
            case DECIMAL:
                return decimal(spec, value);
            case BOOLEAN:
                if (value instanceof Boolean b) {
                    return b;
                }
                break;
            case TIMESTAMP:
                if (value instanceof Instant instant) {
                    return instant;
                }
                if (value instanceof String s) {
                    try {
                        return Timestamps.parseInstant(s);
                    } catch (DateTimeParseException e) {
                        throw new IllegalArgumentException("field " + spec.name() + ": not an ISO-8601 instant: "
                                + abbreviate(s));
                    }
                }
                break;
            case OBJECT:
                return jsonLike(spec, value);
            default:
                break;
        }
        throw new IllegalArgumentException("field " + spec.name() + " is a " + type.id() + ", got "
                + describe(value));
    }

    /** An increment's delta in the type of the field: Long, BigDecimal of its scale or Double. */
    static Number normalizeDelta(FieldSpec spec, Number delta) {
        if (spec.type().collection() || !spec.type().numeric()) {
            throw new IllegalArgumentException("field " + spec.name() + " is a " + spec.type().id()
                    + " and cannot be incremented");
        }
        if (delta == null) {
            throw new IllegalArgumentException("field " + spec.name() + ": a null increment");
        }
        return (Number) normalizeScalar(spec, delta);
    }

    private static BigDecimal decimal(FieldSpec spec, Object value) {
        BigDecimal decimal;
        if (value instanceof BigDecimal d) {
            decimal = d;
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short
                || value instanceof Byte) {
            decimal = BigDecimal.valueOf(((Number) value).longValue());
        } else if (value instanceof BigInteger big) {
            decimal = new BigDecimal(big);
        } else {
            // Never through a double: a double is not an exact decimal.
            throw new IllegalArgumentException("field " + spec.name() + " is a decimal, got " + describe(value));
        }
        try {
            return decimal.setScale(spec.scale(), RoundingMode.UNNECESSARY);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("field " + spec.name() + " is a decimal of scale " + spec.scale()
                    + ", got " + decimal.toPlainString());
        }
    }

    private static Object jsonLike(FieldSpec spec, Object value) {
        if (value == null || value instanceof String || value instanceof Boolean || value instanceof Long
                || value instanceof BigDecimal || value instanceof BigInteger || value instanceof Double) {
            return value;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        if (value instanceof Instant instant) {
            return instant.toString();
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object element : list) {
                out.add(jsonLike(spec, element));
            }
            return out;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new IllegalArgumentException("field " + spec.name() + ": an object key must be a string, got "
                            + describe(e.getKey()));
                }
                out.put(key, jsonLike(spec, e.getValue()));
            }
            return out;
        }
        throw new IllegalArgumentException("field " + spec.name() + " is an object, got " + describe(value));
    }

    /** The typed value as {@code _source} holds it. */
    static Object toStored(FieldSpec spec, Object typed) {
        if (typed instanceof List<?> list && spec.type().collection()) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object element : list) {
                out.add(scalarToStored(spec, element));
            }
            return out;
        }
        return scalarToStored(spec, typed);
    }

    private static Object scalarToStored(FieldSpec spec, Object typed) {
        if (typed instanceof BigDecimal d && spec.valueType() == FieldType.DECIMAL) {
            // The exact decimal string: _source keeps it as written, the numeric mapping indexes it.
            return d.setScale(spec.scale(), RoundingMode.UNNECESSARY).toPlainString();
        }
        if (typed instanceof Instant instant) {
            return instant.toString();
        }
        return typed;
    }

    /** The stored value read back in its typed form (lenient: whatever is unreadable is left out as null). */
    static Object fromStored(FieldSpec spec, Object stored) {
        if (stored == null) {
            return null;
        }
        if (spec.type().collection()) {
            List<?> list = stored instanceof List<?> l ? l : List.of(stored);
            List<Object> out = new ArrayList<>(list.size());
            for (Object element : list) {
                Object typed = scalarFromStored(spec, element);
                if (typed != null) {
                    out.add(typed);
                }
            }
            return out;
        }
        return scalarFromStored(spec, stored);
    }

    private static Object scalarFromStored(FieldSpec spec, Object stored) {
        if (stored == null) {
            return null;
        }
        return switch (spec.valueType()) {
            case KEYWORD, TEXT -> stored.toString();
            case LONG -> stored instanceof Number n ? (Object) n.longValue() : Long.valueOf(stored.toString());
            case DOUBLE -> stored instanceof Number n ? (Object) n.doubleValue() : Double.valueOf(stored.toString());
            case DECIMAL -> new BigDecimal(stored.toString()).setScale(spec.scale(), RoundingMode.HALF_EVEN);
            case BOOLEAN -> stored instanceof Boolean b ? b : Boolean.valueOf(stored.toString());
            case TIMESTAMP -> stored instanceof Number n ? Instant.ofEpochMilli(n.longValue())
                    : Instant.parse(stored.toString());
            default -> stored;
        };
    }

    /** The typed value as callers get it: timestamps as ISO-8601 strings, the rest as is. */
    static Object toOutput(Object typed) {
        if (typed instanceof Instant instant) {
            return instant.toString();
        }
        if (typed instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object element : list) {
                out.add(toOutput(element));
            }
            return out;
        }
        return typed;
    }

    static String describe(Object value) {
        return value == null ? "null" : value.getClass().getSimpleName() + " " + abbreviate(String.valueOf(value));
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "…";
    }
}
