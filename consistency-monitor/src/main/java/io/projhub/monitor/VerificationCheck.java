package io.projhub.monitor;

import java.time.Instant;

/**
 * One verification check, for listeners: the read model was asked for {@code streamId}; {@code appliedVersion} is
 * its answer (-1 if the probe failed, see {@code error}). {@code attempt} counts the checks of this entry from 1.
 * {@code nanoTime} is {@link System#nanoTime()} at the check, for measuring intervals.
 */
public record VerificationCheck(String readModel, String streamId, long expectedVersion, long appliedVersion,
                                int attempt, boolean caughtUp, String error, Instant at, long nanoTime) {
}
