package io.projhub.server.web;

import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.deser.jdk.StringDeserializer;

/**
 * Reads strings like Jackson does, then refuses those PostgreSQL cannot store faithfully: the JDBC driver would turn
 * an unpaired surrogate into '?' without a word, and {@code jsonb} refuses U+0000.
 */
final class StorableStringDeserializer extends StringDeserializer {

    @Override
    public String deserialize(JsonParser parser, DeserializationContext context) {
        String value = super.deserialize(parser, context);
        if (value != null && !StorableJson.storable(value)) {
            throw new UnstorableStringException(parser);
        }
        return value;
    }
}
