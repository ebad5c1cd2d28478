package io.projhub.core.projection;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The polling subscriber: reads every committed event of the log exactly in order (gap-safe) and feeds one lane
 * per projector. Each lane advances on its own; a failing store stalls only its lane.
 */
public interface ProjectionSubscriber extends AutoCloseable {

    /** Starts the poller and the lanes; each lane resumes from its store's checkpoint. */
    void start();

    /**
     * Changes the set of lanes while the subscriber runs (read-model definitions reloaded): lanes whose name is not in
     * {@code projectors} finish their batch in flight and stop; new names get a lane that resumes from its store's
     * checkpoint (a new read model catches up from the start of the log); a name whose Projector instance changed is
     * stopped and started again with the new one; lanes whose projector instance is the same keep running untouched.
     * Metrics of removed lanes are removed; new lanes get theirs. Dead letters of a removed lane stay in the table.
     *
     * <p>The lane settings are checked as at construction; if one is refused nothing changes. If the subscriber is
     * not started this only changes what {@link #start()} runs. Returns once the lanes taken out have stopped (or
     * after the shutdown timeout; a replacement never writes its read model before the lane it replaces has stopped).
     *
     * @param projectors each projector with its lane's settings, in the order lanes are reported
     * @throws IllegalArgumentException if a lane's settings cannot be run, or two projectors share a name
     */
    void replaceLanes(Map<Projector, LaneSettings> projectors);

    /** Head, heartbeat, frontier and each lane's position, lag, state and errors. */
    SubscriberStatus status();

    /**
     * The dead letters of one lane (or all lanes if {@code lane} is null), optionally of one stream and of one status
     * ({@link DeadLetter#PENDING} heads, {@link DeadLetter#PARKED} events waiting behind them, ...), oldest first.
     */
    List<DeadLetter> deadLetters(String lane, String streamId, String status, int limit);

    /**
     * Applies a dead-lettered event again on its lane (after a fix), then the events of its stream parked behind
     * it, in order; each one applied is marked REPLAYED. Completes with the dead letter as it is then; fails with
     * the error if the head itself still fails (it stays PENDING, with the new error). A parked event that fails
     * becomes the head of what is left.
     *
     * The future fails with {@link DeadLetterConflictException} if it is parked behind another one, or not open.
     *
     * @throws IllegalArgumentException if there is no dead letter with this id
     */
    CompletableFuture<DeadLetter> replayDeadLetter(long id);

    /**
     * Skips a dead-lettered event (an admin decision, with a reason): its version is recorded in the read model's
     * version record without its effects, it is marked SKIPPED, and the events parked behind it are applied in
     * order.
     *
     * The future fails with {@link DeadLetterConflictException} if it is parked behind another one, or not open.
     *
     * @throws IllegalArgumentException if there is no dead letter with this id
     */
    CompletableFuture<DeadLetter> skipDeadLetter(long id, String reason, String by);

    /** Whether {@code streamId} has an open dead-letter chain on {@code lane}: its later events are not applied. */
    boolean parked(String lane, String streamId);

    /**
     * Applies every event of a stream again on one lane (recovery for a read model that lost or missed writes).
     * Idempotent projectors make this safe; the lane's checkpoint does not move. Requests for a stream already
     * waiting share its future; a stream held back behind a dead letter is refused (the future fails with
     * {@link DeadLetterConflictException}), and so is a request beyond the lane's bounded re-drive queue.
     *
     * @throws IllegalArgumentException if there is no such lane
     */
    CompletableFuture<Void> redrive(String lane, String streamId);

    /**
     * Like {@link #redrive}, but the read model writes the stream again from its first event whatever its version
     * record says ({@link Projector#rewrite}): the drift audit's repair of a stream whose data was changed behind the
     * hub's back. Between the lane's batches, like a re-drive; the future fails if the projector cannot rewrite
     * (with its {@link UnsupportedOperationException}), or if there is no such lane. Versions an admin skipped stay
     * recorded as applied.
     */
    CompletableFuture<Void> rewrite(String lane, String streamId);

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
