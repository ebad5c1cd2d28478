package io.projhub.definitions.changes;

import java.util.List;
import java.util.Map;

/**
 * Neo4j: merges (or deletes) a relationship of {@code type} from the node labelled {@code fromLabel} with key
 * {@code fromKey} (a null label: the read model's document node of that key) to the node labelled {@code toLabel}
 * with key {@code toKey}. An end node not seen yet is created as a placeholder (its key only); {@code fromProperties}
 * and {@code toProperties} are set on the nodes. The relationship belongs to the stream of the event that created it
 * (recorded on it), and a delete never removes another stream's relationships. Two relationships of one type between
 * the same nodes of one stream are one, unless the properties named in {@code identity} tell them apart.
 */
public record RelationshipChange(String fromLabel, String fromKey, String type, String toLabel, String toKey,
                                 Map<String, Object> properties, Map<String, Object> fromProperties,
                                 Map<String, Object> toProperties, List<String> identity, boolean delete)
        implements Change {

    public RelationshipChange {
        properties = Map.copyOf(properties);
        fromProperties = Map.copyOf(fromProperties);
        toProperties = Map.copyOf(toProperties);
        identity = List.copyOf(identity);
    }

    /** A relationship from the document node {@code fromKey}, told apart by its type and end nodes only. */
    public RelationshipChange(String fromKey, String type, String toLabel, String toKey,
                              Map<String, Object> properties, Map<String, Object> toProperties, boolean delete) {
        this(null, fromKey, type, toLabel, toKey, properties, Map.of(), toProperties, List.of(), delete);
    }
}
