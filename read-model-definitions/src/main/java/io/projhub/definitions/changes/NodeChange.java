package io.projhub.definitions.changes;

import java.util.Map;

/**
 * Neo4j: sets {@code properties} on the node labelled {@code label} with key {@code key} (merged: created if not
 * seen yet), a node other than the read model's documents, such as the customer its orders link to.
 */
public record NodeChange(String label, String key, Map<String, Object> properties) implements Change {

    public NodeChange {
        properties = Map.copyOf(properties);
    }
}
