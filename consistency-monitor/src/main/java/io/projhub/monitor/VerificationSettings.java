package io.projhub.monitor;

import static io.projhub.monitor.Settings.notNegative;
import static io.projhub.monitor.Settings.positive;
import static io.projhub.monitor.Settings.require;

import java.time.Duration;

import io.github.resilience4j.core.IntervalFunction;

/**
 * How tracked writes are verified. The first check runs {@code initialDelay} after {@code track}; while a read
 * model is behind, check {@code n} is followed by a re-drive and, {@code interval(n)} later, check {@code n + 1}, where
 * {@code interval} is resilience4j's exponential random backoff ({@code initialInterval}, {@code multiplier},
 * {@code jitter} as randomization factor, capped at {@code maxInterval}); after {@code maxAttempts} checks it raises
 * an alert. At most {@code maxTracked} (read model, stream) entries are held; further streams are dropped and counted.
 * {@code tick} is how often due checks are looked for; {@code maxInFlight} bounds the probes running at once
 * (each asks one read model for up to 500 streams in one round trip).
 */
public record VerificationSettings(Duration initialDelay, Duration initialInterval, double multiplier, double jitter,
                                   Duration maxInterval, int maxAttempts, int maxTracked, Duration tick,
                                   int maxInFlight) {

    public static final VerificationSettings DEFAULTS = new VerificationSettings(Duration.ofSeconds(1),
            Duration.ofMillis(500), 2.0, 0.2, Duration.ofSeconds(30), 5, 10_000, Duration.ofMillis(50), 64);

    private static final String WHAT = "verification settings";

    public VerificationSettings {
        notNegative(initialDelay, WHAT, "initialDelay");
        positive(initialInterval, WHAT, "initialInterval");
        require(multiplier >= 1.0 && multiplier <= 10.0, WHAT, "multiplier must be in [1, 10]");
        require(jitter >= 0.0 && jitter < 1.0, WHAT, "jitter must be in [0, 1)");
        positive(maxInterval, WHAT, "maxInterval");
        require(maxInterval.compareTo(initialInterval) >= 0, WHAT, "maxInterval must be >= initialInterval");
        require(maxAttempts >= 1 && maxAttempts <= 100, WHAT, "maxAttempts must be in [1, 100]");
        require(maxTracked >= 1 && maxTracked <= 10_000_000, WHAT, "maxTracked must be in [1, 10000000]");
        positive(tick, WHAT, "tick");
        require(maxInFlight >= 1 && maxInFlight <= 10_000, WHAT, "maxInFlight must be in [1, 10000]");
    }

    /** The wait after failed check {@code n} (from 1) before check {@code n + 1}. */
    public IntervalFunction intervalFunction() {
        return jitter == 0.0
                ? IntervalFunction.ofExponentialBackoff(initialInterval, multiplier, maxInterval)
                : IntervalFunction.ofExponentialRandomBackoff(initialInterval, multiplier, jitter, maxInterval);
    }

    public VerificationSettings withInitialDelay(Duration delay) {
        return new VerificationSettings(delay, initialInterval, multiplier, jitter, maxInterval, maxAttempts,
                maxTracked, tick, maxInFlight);
    }

    public VerificationSettings withBackoff(Duration initial, double newMultiplier, double newJitter, Duration max,
                                            int attempts) {
        return new VerificationSettings(initialDelay, initial, newMultiplier, newJitter, max, attempts, maxTracked,
                tick, maxInFlight);
    }

    public VerificationSettings withMaxTracked(int cap) {
        return new VerificationSettings(initialDelay, initialInterval, multiplier, jitter, maxInterval, maxAttempts,
                cap, tick, maxInFlight);
    }

    public VerificationSettings withTick(Duration newTick) {
        return new VerificationSettings(initialDelay, initialInterval, multiplier, jitter, maxInterval, maxAttempts,
                maxTracked, newTick, maxInFlight);
    }
}
