package io.projhub.core.eventstore;

import java.time.Instant;

import tools.jackson.databind.JsonNode;

/**
 * An event as stored, with its data upcast to the current {@code schemaVersion} of its type (stored events are
 * never rewritten; see {@link EventTypeRegistry}). {@code version} is its place in its stream (from 1),
 * {@code position} its place in the global log, {@code txId} the transaction that wrote it.
 * The {@code data} node must not be modified by readers.
 */
public record RecordedEvent(long position, long txId, String streamId, String streamType, long version, String type,
                            int schemaVersion, JsonNode data, EventMetadata metadata, Instant recordedAt) {

    /** Where this event sits in the gap-safe read order; compare it with a checkpoint or a consistency token. */
    public LogPosition logPosition() {
        return new LogPosition(txId, position);
    }
}
