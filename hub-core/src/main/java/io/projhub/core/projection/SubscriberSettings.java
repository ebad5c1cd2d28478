package io.projhub.core.projection;

import java.time.Duration;

/**
 * The shared poller's settings: how much it reads at once, how often it polls when LISTEN/NOTIFY stays silent,
 * how often lag and frontier are measured, and after how long a held-back frontier counts as pinned.
 */
public record SubscriberSettings(int pollBatchSize, Duration pollInterval, Duration statusInterval,
                                 Duration frontierPinnedAfter, Duration shutdownTimeout) {

    public static final SubscriberSettings DEFAULTS = new SubscriberSettings(1000, Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30));

    public SubscriberSettings {
        if (pollBatchSize < 1 || pollInterval.isNegative() || pollInterval.isZero() || statusInterval.isZero()
                || statusInterval.isNegative() || frontierPinnedAfter.isNegative() || shutdownTimeout.isNegative()) {
            throw new IllegalArgumentException("subscriber settings: batch size and intervals must be positive");
        }
    }
}
