package io.projhub.core.projection;

import java.time.Duration;

/**
 * The shared poller's settings: how much it reads at once, how often it polls when LISTEN/NOTIFY stays silent,
 * how often lag and frontier are measured, after how long a held-back frontier counts as pinned, and the shortest
 * gap between two reads of the log ({@code readGap}).
 *
 * <p>{@code readGap}: under load every append's notification would start a read returning a handful of events, and
 * every lane would write each handful to its store in a round trip of its own; reading at most once per gap gathers
 * what was appended meanwhile into one read and one batch per lane, for at most that much added latency.
 */
public record SubscriberSettings(int pollBatchSize, Duration pollInterval, Duration statusInterval,
                                 Duration frontierPinnedAfter, Duration shutdownTimeout, Duration readGap) {

    /** The default {@link #readGap}. */
    public static final Duration READ_GAP = Duration.ofMillis(20);

    public static final SubscriberSettings DEFAULTS = new SubscriberSettings(1000, Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30), READ_GAP);

    public SubscriberSettings {
        if (pollBatchSize < 1 || pollInterval.isNegative() || pollInterval.isZero() || statusInterval.isZero()
                || statusInterval.isNegative() || frontierPinnedAfter.isNegative() || shutdownTimeout.isNegative()
                || readGap.isNegative()) {
            throw new IllegalArgumentException(
                    "subscriber settings: batch size and intervals must be positive (the read gap may be zero)");
        }
    }

    /** With the default {@link #readGap}. */
    public SubscriberSettings(int pollBatchSize, Duration pollInterval, Duration statusInterval,
                              Duration frontierPinnedAfter, Duration shutdownTimeout) {
        this(pollBatchSize, pollInterval, statusInterval, frontierPinnedAfter, shutdownTimeout, READ_GAP);
    }
}
