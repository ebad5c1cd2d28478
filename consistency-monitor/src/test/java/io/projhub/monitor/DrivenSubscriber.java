package io.projhub.monitor;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.FrontierStatus;
import io.projhub.core.projection.LaneState;
import io.projhub.core.projection.LaneStatus;
import io.projhub.core.projection.SubscriberStatus;

/**
 * A subscriber status the test drives: one lane, healthy by default (caught up, no dead letters, fresh heartbeat,
 * free frontier). Each read of a moving head advances it by one event.
 */
final class DrivenSubscriber implements Supplier<SubscriberStatus> {

    final String lane;
    private final AtomicLong head = new AtomicLong(1_000);
    volatile boolean headMoving;
    /** Null: the lane follows the head. */
    volatile LogPosition frozenCheckpoint;
    volatile long deadLetters;
    /** False: the lane is gone from the status (its read model's definition was removed). */
    volatile boolean laneListed = true;
    volatile boolean checkpointNotInLog;
    volatile long parkedStreams;
    /** Null: a fresh heartbeat on every read. */
    volatile Instant heartbeat;
    volatile FrontierStatus frontier = FrontierStatus.FREE;

    DrivenSubscriber(String lane) {
        this.lane = lane;
    }

    /** Back to healthy. */
    void heal() {
        headMoving = false;
        frozenCheckpoint = null;
        deadLetters = 0;
        checkpointNotInLog = false;
        parkedStreams = 0;
        heartbeat = null;
        frontier = FrontierStatus.FREE;
    }

    /** The head keeps moving; the lane's checkpoint stays where it is now. */
    void stall() {
        frozenCheckpoint = new LogPosition(1, head.get());
        headMoving = true;
    }

    @Override
    public SubscriberStatus get() {
        long position = headMoving ? head.incrementAndGet() : head.get();
        LogPosition headPosition = new LogPosition(1, position);
        LogPosition checkpoint = frozenCheckpoint != null ? frozenCheckpoint : headPosition;
        long lag = position - checkpoint.position();
        LaneStatus laneStatus = new LaneStatus(lane, frozenCheckpoint != null ? LaneState.RETRYING : LaneState.LIVE,
                checkpoint, headPosition, lag, lag, Instant.now(), 10, frozenCheckpoint != null
                ? "ConnectException: Connection refused" : null, 0, deadLetters, parkedStreams, 0, null, null, checkpointNotInLog);
        Instant beat = heartbeat != null ? heartbeat : Instant.now();
        return new SubscriberStatus(headPosition, Instant.now(), beat, frontier,
                laneListed ? List.of(laneStatus) : List.of());
    }
}
