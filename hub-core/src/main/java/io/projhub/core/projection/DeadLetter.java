package io.projhub.core.projection;

import java.time.Instant;

import io.projhub.core.eventstore.LogPosition;

/**
 * An event a lane did not apply: either the event that failed after its attempts ({@link #PENDING}, the head of its
 * stream's chain) or a later event of the same stream held back behind it ({@link #PARKED}, {@code parkedBehind} =
 * the head's id), so that a stream is never applied out of order. A replay of the head applies the whole chain in
 * order ({@link #REPLAYED}); a skip ({@link #SKIPPED}, with a {@code resolution}) records the head as applied
 * without its effects and releases the parked events.
 */
public record DeadLetter(long id, String lane, LogPosition position, String streamId, long version, String eventType,
                         String error, String stackTrace, int attempts, String status, Instant createdAt,
                         Instant replayedAt, Long parkedBehind, String resolution, String resolvedBy) {

    public static final String PENDING = "PENDING";
    public static final String PARKED = "PARKED";
    public static final String REPLAYED = "REPLAYED";
    public static final String SKIPPED = "SKIPPED";

    /** Whether {@code status} is one of the four. */
    public static boolean isStatus(String status) {
        return PENDING.equals(status) || PARKED.equals(status) || REPLAYED.equals(status) || SKIPPED.equals(status);
    }

    /** Still waiting: the head of a chain or an event parked behind one. */
    public boolean open() {
        return PENDING.equals(status) || PARKED.equals(status);
    }
}
