package io.projhub.core.projection;

import java.time.Duration;

/**
 * How one lane batches, retries and splits its writes. Retry intervals grow exponentially with jitter (resilience4j
 * {@code IntervalFunction}); {@code maxAttempts} bounds the attempts on a failing event before it is
 * dead-lettered (a store that is down is retried without bound, see {@link FailureKind}). {@code partitions}: how
 * many parts of a batch the lane writes at once, for a projector that can be written in parts
 * ({@link Projector#partKeys}); 1 writes every batch whole.
 */
public record LaneSettings(int batchSize, int inboxBatches, Duration initialRetryInterval, double retryMultiplier,
                           double retryJitter, Duration maxRetryInterval, int maxAttempts, PoisonPolicy onPoison,
                           int partitions) {

    public static final LaneSettings DEFAULTS = new LaneSettings(1000, 8, Duration.ofMillis(200), 2.0, 0.3,
            Duration.ofSeconds(30), 5, PoisonPolicy.DEAD_LETTER_AND_CONTINUE, 2);

    /** Settings that write every batch whole ({@code partitions} 1). */
    public LaneSettings(int batchSize, int inboxBatches, Duration initialRetryInterval, double retryMultiplier,
                        double retryJitter, Duration maxRetryInterval, int maxAttempts, PoisonPolicy onPoison) {
        this(batchSize, inboxBatches, initialRetryInterval, retryMultiplier, retryJitter, maxRetryInterval,
                maxAttempts, onPoison, 1);
    }

    public LaneSettings {
        require(batchSize >= 1 && batchSize <= 100_000, "batchSize must be 1..100000");
        require(inboxBatches >= 1, "inboxBatches must be >= 1");
        require(!initialRetryInterval.isNegative() && !initialRetryInterval.isZero(), "initialRetryInterval must be > 0");
        require(retryMultiplier >= 1.0, "retryMultiplier must be >= 1");
        require(retryJitter >= 0 && retryJitter < 1, "retryJitter must be in [0, 1)");
        require(maxRetryInterval.compareTo(initialRetryInterval) >= 0, "maxRetryInterval must be >= initialRetryInterval");
        require(maxAttempts >= 1, "maxAttempts must be >= 1");
        require(onPoison != null, "onPoison is required");
        require(partitions >= 1 && partitions <= 64, "partitions must be 1..64");
    }

    public LaneSettings withBatchSize(int size) {
        return new LaneSettings(size, inboxBatches, initialRetryInterval, retryMultiplier, retryJitter,
                maxRetryInterval, maxAttempts, onPoison, partitions);
    }

    public LaneSettings withRetry(Duration initial, double multiplier, Duration max, int attempts) {
        return new LaneSettings(batchSize, inboxBatches, initial, multiplier, retryJitter, max, attempts, onPoison,
                partitions);
    }

    public LaneSettings withOnPoison(PoisonPolicy policy) {
        return new LaneSettings(batchSize, inboxBatches, initialRetryInterval, retryMultiplier, retryJitter,
                maxRetryInterval, maxAttempts, policy, partitions);
    }

    public LaneSettings withPartitions(int count) {
        return new LaneSettings(batchSize, inboxBatches, initialRetryInterval, retryMultiplier, retryJitter,
                maxRetryInterval, maxAttempts, onPoison, count);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("lane settings: " + message);
        }
    }
}
