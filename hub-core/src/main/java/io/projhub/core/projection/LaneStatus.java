package io.projhub.core.projection;

import java.time.Instant;

import io.projhub.core.eventstore.LogPosition;

/**
 * One lane as the rest of the hub sees it. {@code lagEvents} counts committed events after the checkpoint;
 * {@code lagSeconds} is the head's time minus the time of the event at the checkpoint. {@code stalledBy}
 * names what holds the lane back when it is not its store (e.g. a pinned frontier), else null.
 * {@code catchUpEtaSeconds} estimates when a lane that is behind (a catch-up after an outage, a rebuild from 0)
 * reaches the head at its current pace; null when it is caught up or not moving. {@code deadLetters} counts the
 * open dead letters (heads and the events parked behind them); {@code parkedStreams} the streams they hold back.
 * {@code checkpointNotInLog}: the store's checkpoint names an event the log does not hold (the store is ahead of
 * the log, e.g. PostgreSQL restored from an older backup): events the log gets up to there would be skipped.
 */
public record LaneStatus(String name, LaneState state, LogPosition checkpoint, LogPosition head, long lagEvents,
                         double lagSeconds, Instant lastAppliedAt, long appliedEvents, String lastError,
                         long retries, long deadLetters, long parkedStreams, long streamGaps, String stalledBy, Double catchUpEtaSeconds,
                         boolean checkpointNotInLog) {
}
