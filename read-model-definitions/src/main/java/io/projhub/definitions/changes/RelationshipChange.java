package io.projhub.definitions.changes;

import java.util.Map;

/**
 * Neo4j: merges (or deletes) a relationship of {@code type} from the document node {@code fromKey} to a node labelled
 * {@code toLabel} with key {@code toKey}. An end node not seen yet is created as a placeholder (its key only);
 * {@code toProperties} are set on it. The relationship belongs to {@code the stream of the event} that created it
 * (recorded on it), and a delete never removes another stream's relationships.
 */
public record RelationshipChange(String fromKey, String type, String toLabel, String toKey,
                                 Map<String, Object> properties, Map<String, Object> toProperties, boolean delete)
        implements Change {

    public RelationshipChange {
        properties = Map.copyOf(properties);
        toProperties = Map.copyOf(toProperties);
    }
}
