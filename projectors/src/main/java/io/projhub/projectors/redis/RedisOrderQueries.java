package io.projhub.projectors.redis;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.projhub.core.domain.order.OrderStatus;

/**
 * Order statistics and recent orders, read from the {@code order-stats} read model (read-models/order-stats.yaml):
 * its counters {@code created}, {@code status:<STATUS>} and {@code revenue:<CUR>}, its sorted set {@code recent}
 * (creation time in epoch milliseconds) and its order hashes.
 */
public final class RedisOrderQueries {

    /** The largest {@code limit} {@link #recentOrders} accepts. */
    public static final int MAX_RECENT_LIMIT = 100;

    private static final String TOTAL = "created";
    private static final String STATUS = "status:";
    private static final String REVENUE = "revenue:";
    private static final String RECENT = "recent";

    /** Every ISO 4217 code: revenue counters are read by name in one MGET, never found by scanning keys. */
    private static final List<String> REVENUE_COUNTERS = Currency.getAvailableCurrencies().stream()
            .map(Currency::getCurrencyCode).sorted().map(code -> REVENUE + code).toList();

    private final RedisDefinedReadModel orders;

    /** @param orders the live version of the {@code order-stats} read model */
    public RedisOrderQueries(RedisDefinedReadModel orders) {
        this.orders = Objects.requireNonNull(orders, "orders");
    }

    /** Orders ever created, current counts per status, revenue per currency (orders not cancelled). */
    public OrderStats orderStats() {
        List<String> names = new ArrayList<>();
        names.add(TOTAL);
        for (OrderStatus status : OrderStatus.values()) {
            names.add(STATUS + status.name());
        }
        names.addAll(REVENUE_COUNTERS);
        Map<String, Number> counters = orders.counters(names);
        Map<String, Long> byStatus = new LinkedHashMap<>();
        for (OrderStatus status : OrderStatus.values()) {
            byStatus.put(status.name(), counters.getOrDefault(STATUS + status.name(), 0L).longValue());
        }
        Map<String, BigDecimal> revenue = new HashMap<>();
        counters.forEach((name, value) -> {
            if (name.startsWith(REVENUE)) {
                String code = name.substring(REVENUE.length());
                revenue.put(code, money(new BigDecimal(value.toString()), code));
            }
        });
        return new OrderStats(counters.getOrDefault(TOTAL, 0L).longValue(), byStatus, revenue);
    }

    /**
     * The most recently created orders, newest first, with their current status (two round trips: the index, then
     * the orders' hashes in one pipeline).
     *
     * @throws IllegalArgumentException if {@code limit} is not within 1..{@value #MAX_RECENT_LIMIT}
     */
    public List<RecentOrder> recentOrders(int limit) {
        if (limit < 1 || limit > MAX_RECENT_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_RECENT_LIMIT + ": " + limit);
        }
        List<String> ids = orders.sortedSet(RECENT, limit, true).stream()
                .map(RedisDefinedReadModel.ScoredMember::member).toList();
        Map<String, Map<String, Object>> documents = orders.documents(ids);
        List<RecentOrder> recent = new ArrayList<>(ids.size());
        for (String id : ids) {
            Map<String, Object> order = documents.get(id);
            if (order == null) {
                continue;
            }
            String currency = (String) order.get("currency");
            BigDecimal total = (BigDecimal) order.get("total");
            recent.add(new RecentOrder(id, (String) order.get("status"), (String) order.get("customerId"),
                    (String) order.get("customerName"), total == null || currency == null ? total : money(total, currency),
                    currency, order.get("createdAt") == null ? null : Instant.parse(order.get("createdAt").toString())));
        }
        return recent;
    }

    /** Amounts are kept with four decimals; callers get them at their currency's scale, as they were sent. */
    private static BigDecimal money(BigDecimal amount, String currency) {
        int scale = Currency.getInstance(currency.strip()).getDefaultFractionDigits();
        return amount.setScale(Math.max(scale, 0), RoundingMode.UNNECESSARY);
    }
}
