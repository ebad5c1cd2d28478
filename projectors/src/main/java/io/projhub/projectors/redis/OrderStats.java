package io.projhub.projectors.redis;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Order counters from Redis.
 *
 * @param total    orders ever created
 * @param byStatus current number of orders in each status ({@code CREATED}, {@code SHIPPED}, {@code CANCELLED}),
 *                 every status present
 * @param revenue  per currency code, the sum of the totals of the orders not cancelled, at the currency's scale
 */
public record OrderStats(long total, Map<String, Long> byStatus, Map<String, BigDecimal> revenue) {

    public OrderStats {
        byStatus = Collections.unmodifiableMap(new LinkedHashMap<>(byStatus));
        revenue = Collections.unmodifiableMap(new TreeMap<>(revenue));
    }
}
