package io.projhub.server.projection;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.projhub.core.projection.LaneSettings;
import io.projhub.core.projection.PoisonPolicy;
import io.projhub.core.projection.SubscriberSettings;

/**
 * The subscriber and its lanes ({@code projhub.projection.*}): poller settings, lane defaults, and per-lane
 * overrides by read-model name (e.g. {@code projhub.projection.lanes.order-graph.batch-size: 500} or
 * {@code ...partitions: 4}). {@code namespace}
 * prefixes the read models' indices, keys and checkpoints, so two hubs (or a hub and the tests) can share servers.
 */
@ConfigurationProperties("projhub.projection")
public record ProjectionProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("") String namespace,
        @DefaultValue("1000") int pollBatchSize,
        @DefaultValue("500ms") Duration pollInterval,
        @DefaultValue("1s") Duration statusInterval,
        @DefaultValue("5s") Duration frontierPinnedAfter,
        @DefaultValue("30s") Duration shutdownTimeout,
        @DefaultValue("20ms") Duration readGap,
        @DefaultValue Lane defaults,
        Map<String, Lane> lanes) {

    /** One lane's settings; a null field takes the default lane's value. */
    public record Lane(Integer batchSize, Integer inboxBatches, Duration initialRetryInterval, Double retryMultiplier,
                       Double retryJitter, Duration maxRetryInterval, Integer maxAttempts, PoisonPolicy onPoison,
                       Integer partitions) {
    }

    public SubscriberSettings subscriberSettings() {
        return new SubscriberSettings(pollBatchSize, pollInterval, statusInterval, frontierPinnedAfter, shutdownTimeout,
                readGap);
    }

    /** The settings of the named lane: built-in defaults, then {@code defaults}, then the lane's own overrides. */
    public LaneSettings laneSettings(String lane) {
        LaneSettings base = merge(LaneSettings.DEFAULTS, defaults);
        return merge(base, lanes == null ? null : lanes.get(lane));
    }

    private static LaneSettings merge(LaneSettings base, Lane over) {
        if (over == null) {
            return base;
        }
        return new LaneSettings(
                over.batchSize() != null ? over.batchSize() : base.batchSize(),
                over.inboxBatches() != null ? over.inboxBatches() : base.inboxBatches(),
                over.initialRetryInterval() != null ? over.initialRetryInterval() : base.initialRetryInterval(),
                over.retryMultiplier() != null ? over.retryMultiplier() : base.retryMultiplier(),
                over.retryJitter() != null ? over.retryJitter() : base.retryJitter(),
                over.maxRetryInterval() != null ? over.maxRetryInterval() : base.maxRetryInterval(),
                over.maxAttempts() != null ? over.maxAttempts() : base.maxAttempts(),
                over.onPoison() != null ? over.onPoison() : base.onPoison(),
                over.partitions() != null ? over.partitions() : base.partitions());
    }
}
