package io.projhub.projectors.elasticsearch;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * A document's {@code _source} read without losing precision: JSON numbers with a fraction or exponent become
 * {@link java.math.BigDecimal} exactly as written (never through a double), integers {@link Long} (or
 * {@link BigInteger} beyond a long), objects {@link LinkedHashMap}s and arrays {@link ArrayList}s. The client's
 * mapper would read fractions as doubles; this type brings its own deserializer.
 */
@JsonDeserialize(using = ExactSource.Reader.class)
record ExactSource(Map<String, Object> fields) {

    static final class Reader extends ValueDeserializer<ExactSource> {
        @Override
        public ExactSource deserialize(JsonParser p, DeserializationContext ctxt) {
            JsonToken token = p.currentToken();
            if (token == JsonToken.START_OBJECT || token == JsonToken.PROPERTY_NAME) {
                return new ExactSource(readObject(p));
            }
            p.skipChildren();
            return new ExactSource(new LinkedHashMap<>());
        }
    }

    /** Reads the object the parser is at (its START_OBJECT, or its first PROPERTY_NAME) up to its END_OBJECT. */
    private static Map<String, Object> readObject(JsonParser p) {
        Map<String, Object> object = new LinkedHashMap<>();
        JsonToken token = p.currentToken() == JsonToken.START_OBJECT ? p.nextToken() : p.currentToken();
        while (token == JsonToken.PROPERTY_NAME) {
            String name = p.currentName();
            p.nextToken();
            object.put(name, read(p));
            token = p.nextToken();
        }
        return object;
    }

    private static Object read(JsonParser p) {
        JsonToken token = p.currentToken();
        switch (token) {
            case START_OBJECT:
                return readObject(p);
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(read(p));
                }
                return list;
            }
            case VALUE_STRING:
                return p.getString();
            case VALUE_NUMBER_INT:
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue()
                        : (Object) p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDecimalValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            default:
                return null;
        }
    }
}
