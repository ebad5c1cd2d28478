package io.projhub.core.eventstore;

import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Who appended an event, as the hub authenticated them: a name (an API key's name or id, a token's subject, a user)
 * and how they signed in ({@code api-key}, {@code jwt}, {@code basic}). Never a secret: it is stored in the event's
 * metadata under {@value EventMetadata#PRINCIPAL} and shown in every stream read.
 */
public record AppendedBy(String name, String via) {

    public AppendedBy {
        if (name == null || name.isBlank() || via == null || via.isBlank()) {
            throw new IllegalArgumentException("an appender has a name and a way it signed in");
        }
    }

    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("name", name);
        json.put("via", via);
        return json;
    }
}
