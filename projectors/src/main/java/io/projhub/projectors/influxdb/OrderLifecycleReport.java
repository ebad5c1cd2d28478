package io.projhub.projectors.influxdb;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Order lifecycle statistics over the last {@code range}, one entry per value of the {@code groupBy} tag, ordered by
 * key. Points without that tag (e.g. CREATED and CANCELLED points have no carrier) form the group with key "".
 */
public record OrderLifecycleReport(Duration range, LifecycleGroupBy groupBy, List<Group> groups) {

    public OrderLifecycleReport {
        groups = List.copyOf(groups);
    }

    /**
     * One group's statistics.
     *
     * @param count            order events (points) in the group
     * @param meanDurationMs   mean time from creation to shipping or cancellation, null if no point has one
     * @param p50DurationMs    its median (nearest rank), null if no point has one
     * @param p95DurationMs    its 95th percentile (nearest rank), null if no point has one
     * @param amountByCurrency sum of order amounts per currency (only CREATED points carry an amount)
     */
    public record Group(String key, long count, Double meanDurationMs, Long p50DurationMs, Long p95DurationMs,
                        Map<String, BigDecimal> amountByCurrency) {
        public Group {
            amountByCurrency = Collections.unmodifiableMap(new TreeMap<>(amountByCurrency));
        }
    }
}
