package io.projhub.monitor;

import java.util.concurrent.CompletableFuture;

/**
 * Asks a read model's lane to apply a stream's events again (recovery for a read model that missed a write). In the
 * hub it is {@code ProjectionSubscriber::redrive}; the monitor logs a failed re-drive and carries on.
 */
@FunctionalInterface
public interface Redriver {

    /** A redriver that does nothing, for a monitor without a subscriber. */
    Redriver NONE = (readModel, streamId) -> CompletableFuture.completedFuture(null);

    CompletableFuture<Void> redrive(String readModel, String streamId);

    /**
     * Asks the lane to write a stream again from its first event, whatever the store's version record says (the drift
     * audit's repair of content changed behind the hub's back); fails where the read model cannot.
     */
    default CompletableFuture<Void> rewrite(String readModel, String streamId) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("no rewrite"));
    }

    /**
     * Whether the read model's lane holds {@code streamId} back behind a dead letter: its later events are parked,
     * so the stream is behind on purpose; the monitor neither re-drives it nor counts it as a missed write.
     */
    default boolean parked(String readModel, String streamId) {
        return false;
    }
}
