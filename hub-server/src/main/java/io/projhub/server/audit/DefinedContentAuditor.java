package io.projhub.server.audit;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.DeadLetter;
import io.projhub.core.projection.ProjectionSubscriber;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.ChildTable;
import io.projhub.definitions.DefinedReadModel;
import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.StoreKind;
import io.projhub.definitions.audit.DocumentComparison;
import io.projhub.definitions.audit.StreamFold;
import io.projhub.definitions.changes.PointChange;
import io.projhub.definitions.changes.RelationshipChange;
import io.projhub.definitions.changes.RowChange;
import io.projhub.monitor.audit.ContentAuditor;
import io.projhub.monitor.audit.Difference;
import io.projhub.monitor.audit.DifferenceKind;
import io.projhub.projectors.influxdb.InfluxDefinedReadModel;
import io.projhub.projectors.redis.RedisDefinedReadModel;
import io.projhub.server.projection.ReadModel;
import io.projhub.server.projection.ReadModels;

/**
 * The content audit of the read models of definition files, through the one interpreter: a stream's events, up to the
 * version its store recorded, folded from nothing by the definition ({@link StreamFold}, as the preview does), against
 * the document the store holds under the stream's id ({@link DefinedReadModel#document}), declared field by declared
 * field ({@link DocumentComparison}). The version is read before and after the document: if the stream moved on in
 * between, the stream is not compared this time. A Neo4j document's relationships owned by the stream are counted by
 * type, direction and other end; an InfluxDB stream's points are read back one by one at their series and time
 * (those older than the bucket's retention are expected to be gone). A Redis stream's sorted-set members are checked
 * (present, or removed, and the score it set; a bounded set may have trimmed a member, an incremented score is
 * shared) and its contribution to each counter; each counter's total is checked against the sum of its streams'
 * contributions.
 *
 * <p>A PostgreSQL document's child rows are compared row by row (by their key columns).
 *
 * <p>Not compared (yet): documents under other keys than a stream's id (they may have many streams), PostgreSQL child
 * rows of other documents, Neo4j relationships that do not touch the stream's document; the version audit still
 * covers their streams.
 */
final class DefinedContentAuditor implements ContentAuditor {

    private final ReadModels readModels;
    private final EventStore store;
    private final ProjectionSubscriber subscriber;

    DefinedContentAuditor(ReadModels readModels, EventStore store, ProjectionSubscriber subscriber) {
        this.readModels = readModels;
        this.store = store;
        this.subscriber = subscriber;
    }

    @Override
    public List<Difference> compare(String readModel, String streamId) throws Exception {
        Optional<ReadModel> found = readModels.find(readModel);
        if (found.isEmpty() || found.get().defined() == null) {
            return null;
        }
        ReadModel model = found.get();
        DefinedReadModel defined = model.defined();
        long version = model.probe().appliedVersion(streamId);
        if (version == 0) {
            return null;
        }
        Set<Long> skipped = new HashSet<>();
        for (DeadLetter letter : subscriber.deadLetters(readModel, streamId, DeadLetter.SKIPPED, 1000)) {
            skipped.add(letter.version());
        }
        List<RecordedEvent> events = new ArrayList<>();
        for (RecordedEvent event : store.readStream(streamId, 1, version)) {
            if (!skipped.contains(event.version())) {
                events.add(event);
            }
        }
        StreamFold fold;
        try {
            fold = StreamFold.of(defined.program(), events);
        } catch (ChangeFailure e) {
            return null; // the lane dead-letters such an event; the dead letter reports it
        }
        if (defined instanceof InfluxDefinedReadModel influx) {
            return comparePoints(model, influx, fold, streamId, version);
        }
        Map<String, Object> expected = fold.documents().get(streamId);
        boolean deleted = fold.deleted().contains(streamId);
        if (expected == null && !deleted) {
            return null;
        }
        Optional<Map<String, Object>> stored = defined.document(streamId, 1);
        if (model.probe().appliedVersion(streamId) != version) {
            return null;
        }
        List<Difference> differences = new ArrayList<>();
        if (deleted) {
            stored.ifPresent(d -> differences.add(content(streamId, version,
                    "the log deleted this document; the store still holds it")));
            return differences;
        }
        if (stored.isEmpty()) {
            differences.add(content(streamId, version, "the document is missing from the store"));
            return differences;
        }
        for (DocumentComparison.FieldDifference field
                : DocumentComparison.compare(defined.program().definition(), expected, fields(defined, stored.get()))) {
            differences.add(content(streamId, version, field.toString()));
        }
        if (defined.program().definition().store() == StoreKind.POSTGRES) {
            for (ChildTable table : defined.program().definition().target().tables().values()) {
                differences.addAll(compareRows(table, fold, streamId, version, stored.get().get(table.name())));
            }
        }
        if (defined instanceof RedisDefinedReadModel redis) {
            // The stream's share of each counter, as the fold adds it up: the counter check then trusts the sum.
            fold.counters().forEach((counter, share) -> {
                java.math.BigDecimal held = redis.contribution(counter, streamId).map(java.math.BigDecimal::new)
                        .orElse(java.math.BigDecimal.ZERO);
                if (held.compareTo(share.total()) != 0) {
                    differences.add(content(streamId, version, "counter " + counter + ", this stream's "
                            + "contribution: log " + share.total().toPlainString() + ", store " + held.toPlainString()));
                }
            });
            fold.members().forEach((set, members) -> members.forEach((member, want) -> {
                Optional<Double> held = redis.score(set, member);
                String what = "sorted set " + set + ", member " + member + ": ";
                if (!want.present() && held.isPresent()) {
                    differences.add(content(streamId, version, what + "removed in the log, still in the store"));
                } else if (want.present() && held.isEmpty() && !want.bounded()) {
                    differences.add(content(streamId, version, what + "missing from the store"));
                } else if (want.present() && held.isPresent() && !want.incremented()
                        && Double.compare(want.score(), held.get()) != 0) {
                    differences.add(content(streamId, version, what + "score: log " + want.score() + ", store "
                            + held.get()));
                }
            }));
        }
        if (defined.program().definition().store() == StoreKind.NEO4J) {
            Map<String, Integer> want = relationshipsOf(fold, streamId, defined.program().documentLabels());
            Map<String, Integer> held = storedRelationships(stored.get(), streamId);
            Set<String> all = new java.util.TreeSet<>(want.keySet());
            all.addAll(held.keySet());
            for (String relationship : all) {
                int w = want.getOrDefault(relationship, 0);
                int h = held.getOrDefault(relationship, 0);
                if (w != h) {
                    differences.add(content(streamId, version, "relationships " + relationship + ": log " + w
                            + ", store " + h));
                }
            }
        }
        return differences;
    }

    /**
     * The stream's relationships at its document node as the fold leaves them, counted by type, direction and the
     * other end's key (relationships told apart by identity properties count once each).
     */
    private static Map<String, Integer> relationshipsOf(StreamFold fold, String streamId, Set<String> documentLabels) {
        Map<String, Set<List<Object>>> byEnds = new java.util.TreeMap<>();
        for (RelationshipChange r : fold.relationships()) {
            String ends;
            if ((r.fromLabel() == null || documentLabels.contains(r.fromLabel())) && streamId.equals(r.fromKey())) {
                ends = r.type() + " out " + r.toKey();
            } else if (documentLabels.contains(r.toLabel()) && streamId.equals(r.toKey())) {
                ends = r.type() + " in " + r.fromKey();
            } else {
                continue; // not at the stream's document: not in its view
            }
            if (r.delete()) {
                byEnds.remove(ends);
                continue;
            }
            List<Object> identity = new ArrayList<>();
            for (String property : r.identity()) {
                identity.add(String.valueOf(r.properties().get(property)));
            }
            byEnds.computeIfAbsent(ends, k -> new HashSet<>()).add(identity);
        }
        Map<String, Integer> counts = new java.util.TreeMap<>();
        byEnds.forEach((ends, identities) -> counts.put(ends, identities.size()));
        return counts;
    }

    /** The relationships of the stream at its document node, as {@code Neo4jDefinedReadModel.document} shows them. */
    private static Map<String, Integer> storedRelationships(Map<String, Object> document, String streamId) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        if (document.get("relationships") instanceof List<?> relationships) {
            for (Object item : relationships) {
                if (item instanceof Map<?, ?> r && streamId.equals(r.get("stream"))
                        && r.get("node") instanceof Map<?, ?> node) {
                    counts.merge(r.get("type") + " " + r.get("direction") + " " + node.get("key"), 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    /**
     * Each point the stream wrote against the point InfluxDB holds at the same series and time; a point older than
     * the bucket's retention is expected to be gone, not drift.
     */
    private List<Difference> comparePoints(ReadModel model, InfluxDefinedReadModel influx, StreamFold fold,
                                           String streamId, long version) throws Exception {
        if (fold.points().isEmpty()) {
            return null;
        }
        java.time.Instant keptSince = influx.retention().map(r -> java.time.Instant.now().minus(r)).orElse(null);
        Map<String, FieldSpec> fields = influx.program().definition().fields();
        List<Difference> differences = new ArrayList<>();
        for (StreamFold.EventPoint folded : fold.points()) {
            PointChange point = folded.point();
            java.time.Instant time = point.time() != null ? point.time() : folded.event().recordedAt();
            if (keptSince != null && time.isBefore(keptSince.plusSeconds(60))) {
                continue;
            }
            String series = point.tags() + " at " + time;
            Optional<Map<String, Object>> stored = influx.storedPoint(folded.event(), point);
            if (stored.isEmpty()) {
                differences.add(new Difference(DifferenceKind.CONTENT, streamId, series, version, version,
                        "the point of version " + folded.event().version() + " is missing", false));
                continue;
            }
            for (Map.Entry<String, Object> field : point.fields().entrySet()) {
                FieldSpec spec = fields.get(field.getKey());
                if (spec == null) {
                    continue;
                }
                Object want = DocumentComparison.normal(spec, field.getValue());
                Object held = DocumentComparison.normal(spec, stored.get().get(field.getKey()));
                if (!java.util.Objects.equals(want, held)) {
                    differences.add(new Difference(DifferenceKind.CONTENT, streamId, series, version, version,
                            field.getKey() + ": log " + want + ", store " + held, false));
                }
            }
        }
        return model.probe().appliedVersion(streamId) == version ? differences : null;
    }

    @Override
    public List<Difference> aggregates(String readModel, boolean repair) {
        Optional<ReadModel> found = readModels.find(readModel);
        if (found.isEmpty() || !(found.get().defined() instanceof RedisDefinedReadModel redis)) {
            return List.of();
        }
        List<Difference> differences = new ArrayList<>();
        for (RedisDefinedReadModel.CounterCheck check : redis.checkCounters(repair)) {
            if (check.differed()) {
                differences.add(new Difference(DifferenceKind.CONTENT, null, "counter:" + check.counter(), null, 0,
                        "counter " + check.counter() + ": total " + check.total()
                                + ", its streams' contributions add up to " + check.sumOfStreams(), repair));
            }
        }
        return differences;
    }

    /** A PostgreSQL document's child rows in one table: the fold's (upserts and deletes of the stream) against the store's. */
    private static List<Difference> compareRows(ChildTable table, StreamFold fold, String streamId, long version,
                                                Object stored) {
        Map<String, Map<String, Object>> want = new java.util.TreeMap<>();
        for (RowChange row : fold.rows()) {
            if (!row.table().equals(table.name()) || !streamId.equals(row.parentKey())) {
                continue;
            }
            String id = rowId(table, row.key());
            if (row.delete()) {
                want.remove(id);
            } else {
                Map<String, Object> values = want.computeIfAbsent(id, k -> new java.util.LinkedHashMap<>());
                values.putAll(row.key());
                values.putAll(row.values());
            }
        }
        Map<String, Map<String, Object>> held = new java.util.TreeMap<>();
        if (stored instanceof List<?> rows) {
            for (Object item : rows) {
                if (item instanceof Map<?, ?> row) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> values = (Map<String, Object>) row;
                    held.put(rowId(table, values), values);
                }
            }
        }
        List<Difference> differences = new ArrayList<>();
        Set<String> ids = new java.util.TreeSet<>(want.keySet());
        ids.addAll(held.keySet());
        for (String id : ids) {
            String what = "table " + table.name() + ", row " + id + ": ";
            if (!held.containsKey(id)) {
                differences.add(content(streamId, version, what + "missing from the store"));
            } else if (!want.containsKey(id)) {
                differences.add(content(streamId, version, what + "not in the log"));
            } else {
                for (FieldSpec column : table.columns().values()) {
                    Object w = DocumentComparison.normal(column, want.get(id).get(column.name()));
                    Object h = DocumentComparison.normal(column, held.get(id).get(column.name()));
                    if (!java.util.Objects.equals(w, h)) {
                        differences.add(content(streamId, version, what + column.name() + ": log " + w
                                + ", store " + h));
                    }
                }
            }
        }
        return differences;
    }

    /** A child row's key columns, each in one form, as one text. */
    private static String rowId(ChildTable table, Map<String, Object> values) {
        List<String> parts = new ArrayList<>();
        for (String column : table.key()) {
            FieldSpec spec = table.columns().get(column);
            Object value = values.get(column);
            parts.add(String.valueOf(spec == null ? value : DocumentComparison.normal(spec, value)));
        }
        return String.join("|", parts);
    }

    /** The declared fields of a stored document: a Neo4j node view keeps them under {@code properties}. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> fields(DefinedReadModel defined, Map<String, Object> document) {
        if (defined.program().definition().store() == StoreKind.NEO4J
                && document.get("properties") instanceof Map<?, ?> properties) {
            return (Map<String, Object>) properties;
        }
        return document;
    }

    private static Difference content(String streamId, long version, String detail) {
        return new Difference(DifferenceKind.CONTENT, streamId, streamId, version, version, detail, false);
    }
}
