package io.projhub.core.projection;

import java.time.Instant;

import io.projhub.core.eventstore.LogPosition;

/** An event a lane could not apply after its attempts, with the last error. */
public record DeadLetter(long id, String lane, LogPosition position, String streamId, long version, String eventType,
                         String error, String stackTrace, int attempts, String status, Instant createdAt,
                         Instant replayedAt) {

    public static final String PENDING = "PENDING";
    public static final String REPLAYED = "REPLAYED";
}
