package io.projhub.server.web;

import java.util.Map;

import io.projhub.core.error.InvalidCommandException;
import tools.jackson.databind.JsonNode;

/**
 * Checks that client JSON can be stored in a PostgreSQL {@code jsonb} column: no U+0000 and no unpaired surrogate
 * in any name or string, which valid JSON may carry but {@code jsonb} refuses (a refusal that would otherwise surface
 * as a database error instead of a 400).
 */
public final class StorableJson {

    private StorableJson() {
    }

    /** @throws InvalidCommandException ({@code field}) if some name or string cannot be stored */
    public static void check(String field, JsonNode json) {
        if (json == null) {
            return;
        }
        if (json.isString() && !storable(json.stringValue())) {
            throw refused(field);
        }
        if (json.isObject()) {
            for (Map.Entry<String, JsonNode> property : json.properties()) {
                if (!storable(property.getKey())) {
                    throw refused(field);
                }
                check(field, property.getValue());
            }
        } else if (json.isArray()) {
            for (JsonNode element : json) {
                check(field, element);
            }
        }
    }

    private static InvalidCommandException refused(String field) {
        return new InvalidCommandException(field, "must not contain U+0000 or an unpaired surrogate in a name or string");
    }

    /** True if {@code s} has no U+0000 and no unpaired surrogate. */
    public static boolean storable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\u0000') {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
