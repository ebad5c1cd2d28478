package io.projhub.monitor;

import java.time.Instant;

/**
 * One read model at the last measurement. {@code position} is its checkpoint's token (null until first read);
 * {@code lagEvents} counts the committed events after it and {@code lagSeconds} is the head's time minus the time of
 * the event at the checkpoint (both -1 until measured). When the probe fails, the last checkpoint read is kept (the
 * lag is then an upper bound), {@code state} is {@code UNREACHABLE} and {@code lastError} says why.
 * {@code lastAppliedAt} comes from the lane (null without one). {@code pendingVerifications} counts this read
 * model's tracked streams still unconfirmed; {@code retries} the verification retries (re-drives) since start.
 */
public record ReadModelConsistency(String name, ReadModelState state, String position, long lagEvents,
                                   double lagSeconds, Instant lastAppliedAt, int pendingVerifications, long retries,
                                   Instant measuredAt, String lastError) {
}
