package io.projhub.server.monitor;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.projhub.core.projection.ProjectionSubscriber;
import io.projhub.monitor.MonitoredReadModel;
import io.projhub.monitor.Redriver;
import io.projhub.server.projection.ReadModel;

/** The lanes as the monitor and the drift audits see them: re-drives and parked streams go to the subscriber. */
public record LaneRedriver(ProjectionSubscriber subscriber) implements Redriver {

    @Override
    public CompletableFuture<Void> redrive(String readModel, String streamId) {
        return subscriber.redrive(readModel, streamId);
    }

    @Override
    public CompletableFuture<Void> rewrite(String readModel, String streamId) {
        return subscriber.rewrite(readModel, streamId);
    }

    @Override
    public boolean parked(String readModel, String streamId) {
        return subscriber.parked(readModel, streamId);
    }

    /** The read models as the monitor watches them: name, probe, event types. */
    public static List<MonitoredReadModel> monitored(List<ReadModel> readModels) {
        return readModels.stream()
                .map(m -> new MonitoredReadModel(m.name(), m.probe(), m.projector().eventTypes()))
                .toList();
    }
}
