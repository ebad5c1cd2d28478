package io.projhub.projectors.redis;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import io.projhub.core.domain.order.OrderStatus;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Response;
import redis.clients.jedis.resps.Tuple;

/** The query side of the Redis read model: order statistics, recent orders, account balances. */
public final class RedisOrderQueries {

    /** The largest {@code limit} {@link #recentOrders} accepts. */
    public static final int MAX_RECENT_LIMIT = 100;

    private static final String REVENUE = "revenue:";

    private final JedisPooled redis;
    private final RedisKeys keys;

    public RedisOrderQueries(JedisPooled redis, String namespace) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.keys = new RedisKeys(namespace);
    }

    /** Orders ever created, current counts per status, revenue per currency (orders not cancelled). */
    public OrderStats orderStats() {
        Map<String, String> stored = redis.hgetAll(keys.orderStats());
        Map<String, Long> byStatus = new LinkedHashMap<>();
        for (OrderStatus status : OrderStatus.values()) {
            byStatus.put(status.name(), Long.parseLong(stored.getOrDefault(status.name(), "0")));
        }
        Map<String, BigDecimal> revenue = new HashMap<>();
        stored.forEach((field, value) -> {
            if (field.startsWith(REVENUE)) {
                String code = field.substring(REVENUE.length());
                revenue.put(code, new BigDecimal(new BigInteger(value), Currency.getInstance(code).getDefaultFractionDigits()));
            }
        });
        return new OrderStats(Long.parseLong(stored.getOrDefault("total", "0")), byStatus, revenue);
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
        List<Tuple> index = redis.zrevrangeWithScores(keys.recentOrders(), 0, limit - 1);
        if (index.isEmpty()) {
            return List.of();
        }
        List<Response<Map<String, String>>> hashes = new ArrayList<>(index.size());
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (Tuple entry : index) {
                hashes.add(pipeline.hgetAll(keys.order(entry.getElement())));
            }
            pipeline.sync();
        }
        List<RecentOrder> recent = new ArrayList<>(index.size());
        for (int i = 0; i < index.size(); i++) {
            Map<String, String> order = hashes.get(i).get();
            if (order.isEmpty()) {
                continue; // trimmed between the two reads
            }
            recent.add(new RecentOrder(index.get(i).getElement(), order.get("status"), blankToNull(order.get("customerId")),
                    blankToNull(order.get("customerName")), decimal(order.get("total")), order.get("currency"),
                    Instant.ofEpochMilli(Long.parseLong(order.get("createdAt")))));
        }
        return recent;
    }

    /** The account's balance, if the read model knows the account. */
    public Optional<AccountBalance> accountBalance(String accountId) {
        Map<String, String> account = redis.hgetAll(keys.account(Objects.requireNonNull(accountId, "accountId")));
        if (account.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new AccountBalance(accountId, decimal(account.get("balance")), account.get("currency"),
                Long.parseLong(account.get("version")), Instant.ofEpochMilli(Long.parseLong(account.get("updatedAt")))));
    }

    private static BigDecimal decimal(String value) {
        return value == null ? null : new BigDecimal(value);
    }

    private static String blankToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
