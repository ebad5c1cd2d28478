package io.projhub.definitions.changes;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.projhub.core.projection.PartKeys;

/** The keys an event's changes touch, for a lane that writes a batch in parts ({@link PartKeys}). */
public final class ChangeKeys {

    private ChangeKeys() {
    }

    /**
     * Written: the documents changed or deleted, the rows' documents, the nodes whose properties are set, the ends of
     * relationships that are document nodes ({@code documentLabel}, or no label) or get properties. Locked: the other
     * ends of relationships. Counters and sorted sets name no key (the stores add to them atomically), nor points
     * (they overwrite themselves).
     *
     * @param documentLabel the label of the read model's document nodes (Neo4j), null for other stores
     */
    public static PartKeys of(List<Change> changes, String documentLabel) {
        Set<String> written = new HashSet<>();
        Set<String> locked = new HashSet<>();
        for (Change change : changes) {
            if (change instanceof DocumentChange document) {
                written.add(document.key());
            } else if (change instanceof DeleteDocument delete) {
                written.add(delete.key());
            } else if (change instanceof RowChange row) {
                written.add(row.parentKey());
            } else if (change instanceof NodeChange node) {
                written.add(node.key());
            } else if (change instanceof RelationshipChange link) {
                end(link.fromLabel(), link.fromKey(), !link.fromProperties().isEmpty(), documentLabel, written, locked);
                end(link.toLabel(), link.toKey(), !link.toProperties().isEmpty(), documentLabel, written, locked);
            }
        }
        locked.removeAll(written);
        return new PartKeys(written, locked);
    }

    private static void end(String label, String key, boolean setsProperties, String documentLabel, Set<String> written,
                            Set<String> locked) {
        if (label == null || label.equals(documentLabel) || setsProperties) {
            written.add(key);
        } else {
            locked.add(key);
        }
    }
}
