package io.projhub.monitor.internal;

import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.projhub.monitor.MonitorListener;
import io.projhub.monitor.Redriver;

/** Asks lanes to re-drive streams without waiting: a failed re-drive is logged, never fatal. */
final class Redrives {

    private static final Logger log = LoggerFactory.getLogger(Redrives.class);

    private final Redriver redriver;
    private final MonitorListener listener;

    Redrives(Redriver redriver, MonitorListener listener) {
        this.redriver = redriver;
        this.listener = listener;
    }

    /** Whether the lane holds the stream back behind a dead letter (then it is neither re-driven nor a miss). */
    boolean parked(String readModel, String streamId) {
        try {
            return redriver.parked(readModel, streamId);
        } catch (RuntimeException e) {
            return false;
        }
    }

    void request(String readModel, String streamId, int attempt) {
        if (parked(readModel, streamId)) {
            return;
        }
        Listeners.call(() -> listener.redriveRequested(readModel, streamId, attempt));
        try {
            CompletableFuture<Void> done = redriver.redrive(readModel, streamId);
            if (done != null) {
                done.whenComplete((ignored, e) -> {
                    if (e != null) {
                        log.warn("monitor event=redrive-failed read_model={} stream={} attempt={} error=\"{}\"",
                                readModel, streamId, attempt, Errors.describe(e));
                    }
                });
            }
        } catch (RuntimeException e) {
            log.warn("monitor event=redrive-failed read_model={} stream={} attempt={} error=\"{}\"", readModel,
                    streamId, attempt, Errors.describe(e));
        }
    }
}
