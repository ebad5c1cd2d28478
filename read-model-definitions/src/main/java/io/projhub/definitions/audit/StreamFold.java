package io.projhub.definitions.audit;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.definitions.changes.Change;
import io.projhub.definitions.changes.CounterChange;
import io.projhub.definitions.changes.DeleteDocument;
import io.projhub.definitions.changes.DocumentChange;
import io.projhub.definitions.changes.DocumentFold;
import io.projhub.definitions.changes.PointChange;
import io.projhub.definitions.changes.RelationshipChange;
import io.projhub.definitions.changes.RowChange;
import io.projhub.definitions.changes.SortedSetChange;

/**
 * One stream's events folded from nothing through a definition, the same way as the preview: what the stream alone
 * makes of the read model. The drift audit compares it with the store, and a rewrite uses it to know what the stream
 * touched (its documents, its counters' contributions, its sorted-set members).
 *
 * @param documents  each document the stream changed, as {@link DocumentFold} keeps it (absent if it deleted it)
 * @param deleted    the documents it deleted last
 * @param counters   each counter's contribution of the stream (the sum of its deltas), with the counter's scale
 * @param sortedSets each sorted set and the members the stream added to or removed from it
 * @param members    each sorted set's members as the stream left them (see {@link Member})
 * @param points     the points it wrote, in order, each with its event (the point's time depends on it)
 * @param rows       its PostgreSQL child-row changes, in order
 * @param relationships its relationship changes, in order
 * @param relationshipStarts the nodes its relationships start at: label (empty: the read model's document node) →
 *                   keys
 */
public record StreamFold(Map<String, Map<String, Object>> documents, Set<String> deleted,
                         Map<String, Contribution> counters, Map<String, Set<String>> sortedSets,
                         Map<String, Map<String, Member>> members, List<EventPoint> points, List<RowChange> rows, List<RelationshipChange> relationships,
                         Map<String, Set<String>> relationshipStarts) {

    /**
     * A sorted-set member as the stream left it: removed, or present with the score it set ({@code incremented}: its
     * score is a sum other streams may add to, so only its presence is the stream's); {@code bounded}: the set keeps
     * only its top members, so the member may have been trimmed since.
     */
    public record Member(boolean present, double score, boolean incremented, boolean bounded) {
    }

    /** A point and the event that wrote it. */
    public record EventPoint(RecordedEvent event, PointChange point) {
    }

    /** A stream's share of a counter: the sum of its deltas, at the counter's scale (0: a whole-number counter). */
    public record Contribution(BigDecimal total, int scale) {
    }

    /**
     * @throws ChangeFailure if an expression fails on one of the events (the lane dead-letters such an event; the
     *                       audit leaves that stream to the dead letter)
     */
    public static StreamFold of(ReadModelProgram program, List<RecordedEvent> events) throws ChangeFailure {
        Map<String, Map<String, Object>> documents = new LinkedHashMap<>();
        Set<String> deleted = new LinkedHashSet<>();
        Map<String, Contribution> counters = new LinkedHashMap<>();
        Map<String, Set<String>> sortedSets = new LinkedHashMap<>();
        Map<String, Map<String, Member>> members = new LinkedHashMap<>();
        List<EventPoint> points = new ArrayList<>();
        List<RelationshipChange> relationships = new ArrayList<>();
        List<RowChange> rows = new ArrayList<>();
        Map<String, Set<String>> starts = new LinkedHashMap<>();
        for (RecordedEvent event : events) {
            if (!program.eventTypes().contains(event.type())) {
                continue;
            }
            List<Change> changes = program.usesDocument()
                    ? program.changes(event, documents.getOrDefault(program.keyOf(event), Map.of()))
                    : program.changes(event);
            for (Change change : changes) {
                if (change instanceof DocumentChange doc) {
                    documents.put(doc.key(), DocumentFold.apply(documents.getOrDefault(doc.key(), Map.of()),
                            doc.ops()));
                    deleted.remove(doc.key());
                } else if (change instanceof DeleteDocument delete) {
                    documents.remove(delete.key());
                    deleted.add(delete.key());
                } else if (change instanceof CounterChange counter) {
                    BigDecimal delta = new BigDecimal(counter.delta().toString());
                    counters.merge(counter.counter(), new Contribution(delta, counter.scale()),
                            (a, b) -> new Contribution(a.total().add(b.total()), a.scale()));
                } else if (change instanceof SortedSetChange entry) {
                    sortedSets.computeIfAbsent(entry.set(), k -> new LinkedHashSet<>()).add(entry.member());
                    Map<String, Member> set = members.computeIfAbsent(entry.set(), k -> new LinkedHashMap<>());
                    Member before = set.get(entry.member());
                    boolean bounded = entry.keep() > 0 || (before != null && before.bounded());
                    if (entry.remove()) {
                        set.put(entry.member(), new Member(false, 0, false, bounded));
                    } else if (entry.increment()) {
                        double base = before != null && before.present() ? before.score() : 0;
                        set.put(entry.member(), new Member(true, base + entry.score(), true, bounded));
                    } else {
                        set.put(entry.member(), new Member(true, entry.score(), false, bounded));
                    }
                } else if (change instanceof PointChange point) {
                    points.add(new EventPoint(event, point));
                } else if (change instanceof RowChange row) {
                    rows.add(row);
                } else if (change instanceof RelationshipChange relationship) {
                    relationships.add(relationship);
                    starts.computeIfAbsent(relationship.fromLabel() == null ? "" : relationship.fromLabel(),
                            k -> new LinkedHashSet<>()).add(relationship.fromKey());
                }
            }
        }
        return new StreamFold(documents, deleted, counters, sortedSets, members, points, rows, relationships, starts);
    }
}
