package io.projhub.core.eventstore;

import tools.jackson.databind.JsonNode;

/**
 * An event to append: its type name (e.g. {@code OrderCreated}), its data (a JSON object) and its metadata.
 * The store validates type and data when appending, naming the offending {@code events[i]} field; a null
 * {@code metadata} is {@link EventMetadata#EMPTY}.
 *
 * @param fromRegisteredType true only when {@code data} was serialized from the record registered for {@code type}
 *                           ({@link EventTypeRegistry#toNewEvent}): it binds back by construction, so the store does
 *                           not bind it again (that check cost about a tenth of a core at 1,000 appends/s)
 */
public record NewEvent(String type, JsonNode data, EventMetadata metadata, boolean fromRegisteredType) {

    public NewEvent {
        if (metadata == null) {
            metadata = EventMetadata.EMPTY;
        }
    }

    /** Data from outside (a request's JSON): the store checks that it binds to the type's record, if registered. */
    public NewEvent(String type, JsonNode data, EventMetadata metadata) {
        this(type, data, metadata, false);
    }

    public NewEvent(String type, JsonNode data) {
        this(type, data, EventMetadata.EMPTY, false);
    }
}
