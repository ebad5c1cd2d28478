package io.projhub.core.eventstore;

import tools.jackson.databind.JsonNode;

/**
 * Turns the data of one event type from schema version {@link #fromSchemaVersion()} into
 * {@code fromSchemaVersion() + 1}. Upcasters of consecutive versions form a chain applied on read, so stored
 * events are never rewritten.
 */
public interface Upcaster {

    /** The event type name this upcaster reads. */
    String eventType();

    /** The schema version it reads; it produces the next one. */
    int fromSchemaVersion();

    /**
     * The data at the next schema version. {@code data} is the caller's own copy: it may be changed and returned.
     */
    JsonNode upcast(JsonNode data);
}
