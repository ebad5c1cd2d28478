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
     * relationships that are document nodes (one of {@code documentLabels}, or no label) or get properties, and
     * sorted sets: {@code zset:<name>:<member>} for an add to a set that keeps every member (adds of distinct members
     * commute), {@code zset:<name>} for an increment, a remove or an add to a bounded set (trimming to the
     * {@code keep} highest depends on the order of such changes, so they all go to one part). Locked: the other ends
     * of relationships. Counters name no key (the stores add to them atomically, and addition commutes), nor points
     * (they overwrite themselves).
     *
     * @param documentLabels the labels of the read model's document nodes (Neo4j), empty for other stores
     */
    public static PartKeys of(List<Change> changes, Set<String> documentLabels) {
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
                boolean fromSets = !link.fromProperties().isEmpty();
                boolean toSets = !link.toProperties().isEmpty();
                end(link.fromLabel(), link.fromKey(), fromSets, documentLabels, written, locked);
                end(link.toLabel(), link.toKey(), toSets, documentLabels, written, locked);
            } else if (change instanceof SortedSetChange set) {
                written.add(set.increment() || set.remove() || set.keep() > 0 ? "zset:" + set.set()
                        : "zset:" + set.set() + ":" + set.member());
            }
        }
        locked.removeAll(written);
        return new PartKeys(written, locked);
    }

    private static void end(String label, String key, boolean setsProperties, Set<String> documentLabels,
                            Set<String> written, Set<String> locked) {
        if (label == null || documentLabels.contains(label) || setsProperties) {
            written.add(key);
        } else {
            locked.add(key);
        }
    }
}
