package io.projhub.core.eventstore;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.projhub.core.error.InvalidCommandException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What an event says about its cause, stored as the event's {@code metadata} JSON object: the
 * {@code correlationId} shared by everything one request caused, the {@code causationId} of the message that caused
 * it (the seed's {@code causedBy}), the command's {@code idempotencyKey}, and any further attributes a system brings
 * with its own events. Every field may be null; {@code attributes} is never null.
 */
public record EventMetadata(String correlationId, String causationId, String idempotencyKey,
                            Map<String, JsonNode> attributes) {

    public static final String CORRELATION_ID = "correlationId";
    public static final String CAUSATION_ID = "causationId";
    public static final String IDEMPOTENCY_KEY = "idempotencyKey";
    /** The attribute the hub writes with who appended the event ({@link AppendedBy}); a client cannot set it. */
    public static final String PRINCIPAL = "principal";
    private static final Set<String> NAMED = Set.of(CORRELATION_ID, CAUSATION_ID, IDEMPOTENCY_KEY);

    public static final EventMetadata EMPTY = new EventMetadata(null, null, null, Map.of());

    public EventMetadata {
        if (attributes == null) {
            attributes = Map.of();
        } else {
            Map<String, JsonNode> copy = new LinkedHashMap<>();
            attributes.forEach((name, value) -> {
                if (NAMED.contains(name)) {
                    throw new IllegalArgumentException(name + " is a field of its own, not an attribute");
                }
                copy.put(name, value == null ? JsonNodeFactory.instance.nullNode() : value.deepCopy());
            });
            attributes = Collections.unmodifiableMap(copy);
        }
    }

    public static EventMetadata of(String correlationId, String causationId, String idempotencyKey) {
        return new EventMetadata(correlationId, causationId, idempotencyKey, Map.of());
    }

    /**
     * This metadata with the {@value #PRINCIPAL} attribute set to who appended it, replacing any the client sent;
     * null removes it.
     */
    public EventMetadata withPrincipal(AppendedBy appendedBy) {
        Map<String, JsonNode> copy = new LinkedHashMap<>(attributes);
        copy.remove(PRINCIPAL);
        if (appendedBy != null) {
            copy.put(PRINCIPAL, appendedBy.toJson());
        }
        return new EventMetadata(correlationId, causationId, idempotencyKey, copy);
    }

    /** This metadata as the JSON object that is stored; null fields are left out. */
    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        attributes.forEach((name, value) -> json.set(name, value.deepCopy()));
        if (correlationId != null) {
            json.put(CORRELATION_ID, correlationId);
        }
        if (causationId != null) {
            json.put(CAUSATION_ID, causationId);
        }
        if (idempotencyKey != null) {
            json.put(IDEMPOTENCY_KEY, idempotencyKey);
        }
        return json;
    }

    /**
     * Reads a metadata JSON object; null or a JSON null is {@link #EMPTY}.
     *
     * @throws InvalidCommandException ({@code metadata}) if it is not an object or a named field is not a string
     */
    public static EventMetadata fromJson(JsonNode json) {
        if (json == null || json.isNull() || json.isMissingNode()) {
            return EMPTY;
        }
        if (!json.isObject()) {
            throw new InvalidCommandException("metadata", "must be a JSON object");
        }
        Map<String, JsonNode> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> property : json.properties()) {
            if (!NAMED.contains(property.getKey())) {
                attributes.put(property.getKey(), property.getValue());
            }
        }
        return new EventMetadata(text(json, CORRELATION_ID), text(json, CAUSATION_ID), text(json, IDEMPOTENCY_KEY),
                attributes);
    }

    private static String text(JsonNode json, String name) {
        JsonNode value = json.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw new InvalidCommandException("metadata." + name, "must be a string");
        }
        return value.stringValue();
    }
}
