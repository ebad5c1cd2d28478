package io.projhub.core.eventstore;

import java.time.Instant;

import tools.jackson.databind.JsonNode;

/**
 * An aggregate's state after the event at {@code version} of its stream. {@code type} names the shape of
 * {@code state} (e.g. {@code account/1}), so a loader can ignore snapshots of a shape it no longer reads.
 */
public record Snapshot(String streamId, String type, long version, JsonNode state, Instant createdAt) {
}
