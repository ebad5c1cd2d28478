package io.projhub.core.projection;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The polling subscriber: reads every committed event of the log exactly in order (gap-safe) and feeds one lane
 * per projector. Each lane advances on its own; a failing store stalls only its lane.
 */
public interface ProjectionSubscriber extends AutoCloseable {

    /** Starts the poller and the lanes; each lane resumes from its store's checkpoint. */
    void start();

    /** Head, heartbeat, frontier and each lane's position, lag, state and errors. */
    SubscriberStatus status();

    /** The dead letters of one lane (or all lanes if {@code lane} is null), optionally of one status. */
    List<DeadLetter> deadLetters(String lane, String status, int limit);

    /**
     * Applies a dead-lettered event again on its lane (after a fix); on success it is marked REPLAYED.
     *
     * @throws IllegalArgumentException if there is no dead letter with this id
     */
    CompletableFuture<DeadLetter> replayDeadLetter(long id);

    /**
     * Applies every event of a stream again on one lane (recovery for a read model that lost or missed writes).
     * Idempotent projectors make this safe; the lane's checkpoint does not move.
     *
     * @throws IllegalArgumentException if there is no such lane
     */
    CompletableFuture<Void> redrive(String lane, String streamId);

    /**
     * Clears one read model in its store and rebuilds it from the start of the log (an admin action); completes
     * once the store is cleared, the rebuild then runs as a catch-up whose progress is the lane's lag.
     *
     * @throws IllegalArgumentException if there is no such lane
     */
    CompletableFuture<Void> rebuild(String lane);

    /** Finishes the batch in flight on every lane and stops; restart resumes from each store's checkpoint. */
    @Override
    void close();
}
