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
import io.projhub.definitions.DefinedReadModel;
import io.projhub.definitions.StoreKind;
import io.projhub.definitions.audit.DocumentComparison;
import io.projhub.definitions.audit.StreamFold;
import io.projhub.monitor.audit.ContentAuditor;
import io.projhub.monitor.audit.Difference;
import io.projhub.monitor.audit.DifferenceKind;
import io.projhub.projectors.redis.RedisDefinedReadModel;
import io.projhub.server.projection.ReadModel;
import io.projhub.server.projection.ReadModels;

/**
 * The content audit of the read models of definition files, through the one interpreter: a stream's events, up to the
 * version its store recorded, folded from nothing by the definition ({@link StreamFold}, as the preview does), against
 * the document the store holds under the stream's id ({@link DefinedReadModel#document}), declared field by declared
 * field ({@link DocumentComparison}). The version is read before and after the document: if the stream moved on in
 * between, the stream is not compared this time. Redis counters are checked against their streams' contributions.
 *
 * <p>Not compared (yet): documents under other keys than a stream's id (they may have many streams), Neo4j
 * relationships, PostgreSQL child rows and InfluxDB points; the version audit still covers their streams.
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
        if (defined.program().definition().store() == StoreKind.INFLUXDB) {
            return null;
        }
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
        return differences;
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
