package io.projhub.monitor;

import static io.projhub.monitor.Settings.positive;
import static io.projhub.monitor.Settings.require;

import java.time.Duration;

import io.github.resilience4j.core.IntervalFunction;

/**
 * How the notification outbox is dispatched. The dispatcher looks for due rows every {@code pollInterval} (and at
 * once after a transition), claims up to {@code batchSize} for {@code lease} (longer than any notifier's timeout: a
 * row whose sender died is claimed again once its lease ran out), and retries a failed delivery after an exponential
 * backoff ({@code initialBackoff}, {@code backoffMultiplier}, capped at {@code maxBackoff}, 20% jitter) until
 * {@code maxAttempts}, when the row becomes FAILED.
 */
public record OutboxSettings(Duration pollInterval, int batchSize, Duration lease, int maxAttempts,
                             Duration initialBackoff, double backoffMultiplier, Duration maxBackoff) {

    public static final OutboxSettings DEFAULTS = new OutboxSettings(Duration.ofMillis(500), 50, Duration.ofSeconds(60),
            10, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(5));

    private static final String WHAT = "outbox settings";

    public OutboxSettings {
        positive(pollInterval, WHAT, "pollInterval");
        require(batchSize >= 1 && batchSize <= 1000, WHAT, "batchSize must be in [1, 1000]");
        positive(lease, WHAT, "lease");
        require(maxAttempts >= 1 && maxAttempts <= 1000, WHAT, "maxAttempts must be in [1, 1000]");
        positive(initialBackoff, WHAT, "initialBackoff");
        require(backoffMultiplier >= 1.0 && backoffMultiplier <= 10.0, WHAT, "backoffMultiplier must be in [1, 10]");
        positive(maxBackoff, WHAT, "maxBackoff");
        require(maxBackoff.compareTo(initialBackoff) >= 0, WHAT, "maxBackoff must be >= initialBackoff");
    }

    /** The wait after failed attempt {@code n} (from 1). */
    public IntervalFunction backoff() {
        return IntervalFunction.ofExponentialRandomBackoff(initialBackoff, backoffMultiplier, 0.2, maxBackoff);
    }

    public OutboxSettings withPollInterval(Duration interval) {
        return new OutboxSettings(interval, batchSize, lease, maxAttempts, initialBackoff, backoffMultiplier, maxBackoff);
    }

    public OutboxSettings withLease(Duration newLease) {
        return new OutboxSettings(pollInterval, batchSize, newLease, maxAttempts, initialBackoff, backoffMultiplier,
                maxBackoff);
    }

    public OutboxSettings withRetry(Duration initial, double multiplier, Duration max, int attempts) {
        return new OutboxSettings(pollInterval, batchSize, lease, attempts, initial, multiplier, max);
    }
}
