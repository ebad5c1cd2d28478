package io.projhub.server.definitions;

import java.util.Set;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.PartKeys;
import io.projhub.core.projection.Projector;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.definitions.DefinedReadModel;

/**
 * A new version of a read model while it builds beside the live one: its projector and probe under the lane name
 * {@code <name>~v<version>} (a rebuild: {@code <name>~v<version>r<generation>}), so both builds have a lane at once. Each store keys the new version's data and
 * checkpoint by the definition's name and version, not by the lane's name, so once it has caught up its projector
 * takes over the read model's own lane where it left off.
 */
final class BuildingLane {

    private BuildingLane() {
    }

    /** {@code <name>~v<version>}, or {@code <name>~v<version>r<generation>} for a rebuild of it. */
    static String laneName(DefinedReadModel model) {
        return model.program().definition().name() + "~v"
                + model.program().definition().versionTag(model.generation());
    }

    static Projector projector(String lane, Projector projector) {
        return new Projector() {
            @Override
            public String name() {
                return lane;
            }

            @Override
            public Set<String> eventTypes() {
                return projector.eventTypes();
            }

            @Override
            public LogPosition checkpoint() throws Exception {
                return projector.checkpoint();
            }

            @Override
            public void apply(EventBatch batch) throws Exception {
                projector.apply(batch);
            }

            @Override
            public void reset() throws Exception {
                projector.reset();
            }

            @Override
            public void recordSkipped(String streamId, long version) throws Exception {
                projector.recordSkipped(streamId, version);
            }

            @Override
            public void rewrite(String streamId, EventBatch batch) throws Exception {
                projector.rewrite(streamId, batch);
            }

            @Override
            public void overwriteCheckpoint(LogPosition checkpoint) throws Exception {
                projector.overwriteCheckpoint(checkpoint);
            }

            @Override
            public PartKeys partKeys(RecordedEvent event) {
                return projector.partKeys(event);
            }

            @Override
            public FailureKind classify(Throwable failure) {
                return projector.classify(failure);
            }
        };
    }

    static ReadModelProbe probe(String lane, ReadModelProbe probe) {
        return new ReadModelProbe() {
            @Override
            public String name() {
                return lane;
            }

            @Override
            public LogPosition checkpoint() throws Exception {
                return probe.checkpoint();
            }

            @Override
            public long appliedVersion(String streamId) throws Exception {
                return probe.appliedVersion(streamId);
            }

            @Override
            public java.util.Map<String, Long> appliedVersions(java.util.Collection<String> streamIds)
                    throws Exception {
                return probe.appliedVersions(streamIds); // one round trip, as the live read model's
            }

            @Override
            public io.projhub.core.projection.RecordedStreams recordedStreams(String cursor, int limit)
                    throws Exception {
                return probe.recordedStreams(cursor, limit);
            }
        };
    }
}
