package io.projhub.projectors.jdbc;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.FieldType;
import io.projhub.projectors.jdbc.DefinedTables.Column;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Values of declared fields between the program, JDBC and jsonb. A value is first brought to its canonical Java form
 * ({@link #canonical}): String, Long, Double, BigDecimal at the field's scale, Boolean, Instant for a timestamp, a List
 * of JSON-ready elements for a set or list (timestamps as ISO-8601 strings), a JSON-ready tree for an object. Decimals
 * never pass through a double.
 */
final class DefinedValues {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private DefinedValues() {
    }

    /** A value that does not fit its field; the caller turns it into the event's failure. */
    static final class BadValue extends Exception {
        BadValue(String message) {
            super(message);
        }
    }

    /** {@code value} (null for none) in the canonical form of {@code spec}'s type. */
    static Object canonical(FieldSpec spec, Object value) throws BadValue {
        if (value == null) {
            return null;
        }
        if (spec.type().collection()) {
            if (!(value instanceof List<?> list)) {
                throw new BadValue("a " + spec.type().id() + " needs a list, got " + describe(value));
            }
            List<Object> elements = new ArrayList<>();
            for (Object element : list) {
                Object json = element(spec, element);
                if (spec.type() != FieldType.SET || !elements.contains(json)) {
                    elements.add(json);
                }
            }
            return elements;
        }
        return scalar(spec.type(), spec.scale(), value);
    }

    /** One element of a set or list, JSON-ready. */
    static Object element(FieldSpec spec, Object value) throws BadValue {
        if (value == null) {
            throw new BadValue("a " + spec.type().id() + " holds no null element");
        }
        Object scalar = scalar(spec.valueType(), spec.scale(), value);
        return scalar instanceof Instant instant ? instant.toString() : scalar;
    }

    /** An increment's delta in the canonical form of a numeric field. */
    static Number delta(FieldSpec spec, Number delta) throws BadValue {
        if (delta == null) {
            throw new BadValue("an increment needs a delta");
        }
        if (!spec.type().numeric()) {
            throw new BadValue("a " + spec.type().id() + " field cannot be incremented");
        }
        return (Number) scalar(spec.type(), spec.scale(), delta);
    }

    private static Object scalar(FieldType type, int scale, Object value) throws BadValue {
        switch (type) {
            case KEYWORD, TEXT -> {
                if (value instanceof CharSequence s) {
                    return s.toString();
                }
            }
            case LONG -> {
                if (value instanceof Long || value instanceof Integer || value instanceof Short
                        || value instanceof Byte) {
                    return ((Number) value).longValue();
                }
                try {
                    if (value instanceof BigInteger b) {
                        return b.longValueExact();
                    }
                    if (value instanceof BigDecimal d) {
                        return d.longValueExact();
                    }
                } catch (ArithmeticException e) {
                    throw new BadValue("not a long: " + value);
                }
            }
            case DOUBLE -> {
                if (value instanceof Number n && !(value instanceof BigDecimal)) {
                    return n.doubleValue();
                }
                if (value instanceof BigDecimal d) {
                    return d.doubleValue();
                }
            }
            case DECIMAL -> {
                BigDecimal d = value instanceof BigDecimal b ? b
                        : value instanceof Long || value instanceof Integer || value instanceof Short
                        ? BigDecimal.valueOf(((Number) value).longValue())
                        : value instanceof BigInteger b ? new BigDecimal(b) : null;
                if (d != null) {
                    try {
                        return d.setScale(scale, RoundingMode.UNNECESSARY);
                    } catch (ArithmeticException e) {
                        throw new BadValue(d.toPlainString() + " has more than " + scale + " decimals");
                    }
                }
            }
            case BOOLEAN -> {
                if (value instanceof Boolean) {
                    return value;
                }
            }
            case TIMESTAMP -> {
                if (value instanceof Instant) {
                    return value;
                }
                if (value instanceof OffsetDateTime t) {
                    return t.toInstant();
                }
                if (value instanceof CharSequence s) {
                    try {
                        return OffsetDateTime.parse(s).toInstant();
                    } catch (DateTimeParseException e) {
                        throw new BadValue("not an ISO-8601 timestamp: '" + s + "'");
                    }
                }
            }
            case OBJECT -> {
                return jsonReady(value);
            }
            case SET, LIST -> throw new BadValue("a collection cannot hold a " + type.id());
        }
        throw new BadValue("a " + type.id() + " field cannot hold " + describe(value));
    }

    private static Object jsonReady(Object value) throws BadValue {
        if (value == null || value instanceof String || value instanceof Boolean || value instanceof Long
                || value instanceof BigDecimal) {
            return value;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger b) {
            return new BigDecimal(b);
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (!Double.isFinite(d)) {
                throw new BadValue("JSON has no " + d);
            }
            return d;
        }
        if (value instanceof CharSequence s) {
            return s.toString();
        }
        if (value instanceof Instant instant) {
            return instant.toString();
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> result = new LinkedHashMap<>();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                result.put(String.valueOf(entry.getKey()), jsonReady(entry.getValue()));
            }
            return result;
        }
        if (value instanceof List<?> list) {
            List<Object> result = new ArrayList<>();
            for (Object element : list) {
                result.add(jsonReady(element));
            }
            return result;
        }
        throw new BadValue("an object field cannot hold " + describe(value));
    }

    private static String describe(Object value) {
        return value.getClass().getSimpleName();
    }

    /** The JSON text of a JSON-ready value. */
    static String json(Object value) {
        return JSON.writeValueAsString(value);
    }

    /** Binds a canonical value of {@code column} (null for SQL null) to a parameter. */
    static void bind(PreparedStatement ps, int index, Column column, Object canonical) throws SQLException {
        if (canonical == null) {
            ps.setNull(index, Types.NULL);
        } else if (column.json()) {
            ps.setString(index, json(canonical));
        } else if (canonical instanceof Instant instant) {
            ps.setObject(index, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
        } else {
            ps.setObject(index, canonical);
        }
    }

    /**
     * The value of {@code column} in the current row, as {@code document()} gives it: decimals as BigDecimal at the
     * field's scale, timestamps as ISO-8601 strings, jsonb as Lists and Maps; null if SQL null.
     */
    static Object read(ResultSet rs, String label, Column column) throws SQLException {
        FieldSpec spec = column.spec();
        switch (spec.type()) {
            case KEYWORD, TEXT -> {
                return rs.getString(label);
            }
            case LONG -> {
                long v = rs.getLong(label);
                return rs.wasNull() ? null : v;
            }
            case DOUBLE -> {
                double v = rs.getDouble(label);
                return rs.wasNull() ? null : v;
            }
            case DECIMAL -> {
                BigDecimal v = rs.getBigDecimal(label);
                return v == null ? null : v.setScale(spec.scale(), RoundingMode.UNNECESSARY);
            }
            case BOOLEAN -> {
                boolean v = rs.getBoolean(label);
                return rs.wasNull() ? null : v;
            }
            case TIMESTAMP -> {
                OffsetDateTime v = rs.getObject(label, OffsetDateTime.class);
                return v == null ? null : v.toInstant().toString();
            }
            case SET, LIST, OBJECT -> {
                String text = rs.getString(label);
                if (text == null) {
                    return null;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(text);
                } catch (JacksonException e) {
                    throw new SQLException("column " + column.name() + " holds no JSON", e);
                }
                if (spec.type() == FieldType.OBJECT || !node.isArray()) {
                    return fromJson(node);
                }
                List<Object> elements = new ArrayList<>();
                for (JsonNode element : node.values()) {
                    elements.add(fromJson(spec.valueType(), spec.scale(), element));
                }
                return elements;
            }
        }
        throw new IllegalStateException("unknown type " + spec.type());
    }

    private static Object fromJson(FieldType type, int scale, JsonNode node) {
        if (node.isNull()) {
            return null;
        }
        return switch (type) {
            case LONG -> node.canConvertToLong() ? (Object) node.longValue() : node.decimalValue();
            case DOUBLE -> node.isNumber() ? node.doubleValue() : fromJson(node);
            case DECIMAL -> node.isNumber() ? node.decimalValue().setScale(scale, RoundingMode.UNNECESSARY)
                    : fromJson(node);
            default -> fromJson(node);
        };
    }

    /** A JSON tree as Java values: Long for integers that fit, BigDecimal for other numbers. */
    static Object fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> property : node.properties()) {
                map.put(property.getKey(), fromJson(property.getValue()));
            }
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            for (JsonNode element : node.values()) {
                list.add(fromJson(element));
            }
            return list;
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : node.decimalValue();
        }
        if (node.isNumber()) {
            return node.decimalValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        return node.asString();
    }

    /** A filter's text as a parameter of {@code column}'s type. */
    static Object parseFilter(Column column, String text) {
        try {
            return switch (column.type()) {
                case KEYWORD, TEXT -> text;
                case LONG -> Long.parseLong(text.strip());
                case DOUBLE -> Double.parseDouble(text.strip());
                case DECIMAL -> new BigDecimal(text.strip());
                case BOOLEAN -> {
                    if (text.strip().equalsIgnoreCase("true")) {
                        yield Boolean.TRUE;
                    }
                    if (text.strip().equalsIgnoreCase("false")) {
                        yield Boolean.FALSE;
                    }
                    throw new IllegalArgumentException("not true or false");
                }
                case TIMESTAMP -> OffsetDateTime.parse(text.strip()).toInstant();
                case SET, LIST -> {
                    FieldSpec element = new FieldSpec(column.name(), column.spec().valueType(), column.spec().scale(),
                            null);
                    Object value = parseFilter(new Column(column.name(), element), text);
                    yield List.of(value instanceof Instant i ? i.toString() : value);
                }
                case OBJECT -> throw new IllegalArgumentException("an object column cannot be filtered on");
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("filter " + column.name() + ": '" + abbreviate(text) + "' is not a "
                    + column.type().id() + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
