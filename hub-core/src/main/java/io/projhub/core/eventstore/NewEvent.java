package io.projhub.core.eventstore;

import tools.jackson.databind.JsonNode;

/**
 * An event to append: its type name (e.g. {@code OrderCreated}), its data (a JSON object) and its metadata.
 * The store validates type and data when appending, naming the offending {@code events[i]} field; a null
 * {@code metadata} is {@link EventMetadata#EMPTY}.
 */
public record NewEvent(String type, JsonNode data, EventMetadata metadata) {

    public NewEvent {
        if (metadata == null) {
            metadata = EventMetadata.EMPTY;
        }
    }

    public NewEvent(String type, JsonNode data) {
        this(type, data, EventMetadata.EMPTY);
    }
}
