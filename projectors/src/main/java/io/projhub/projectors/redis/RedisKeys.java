package io.projhub.projectors.redis;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the Redis read model lives: every key starts with {@code {<namespace>projhub}:}. The braces are a Redis
 * Cluster hash tag, so all keys of one namespace share one slot and the batch script, which touches many of them,
 * stays legal on a cluster (at the price of the read model living on one shard).
 *
 * @param namespace a short prefix separating read models on one server ({@code ""} for the hub, a random one in
 *                  tests): at most 64 of {@code A-Z a-z 0-9 _ . : -}, so it can neither break the hash tag nor
 *                  act as a glob in {@link #pattern()}
 */
public record RedisKeys(String namespace) {

    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9_.:-]{0,64}");

    public RedisKeys {
        Objects.requireNonNull(namespace, "namespace");
        if (!NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("A Redis namespace is at most 64 of A-Z a-z 0-9 _ . : - : '" + namespace + "'");
        }
    }

    /** The prefix of every key, hash tag included. */
    public String prefix() {
        return "{" + namespace + "projhub}:";
    }

    /** A SCAN pattern matching every key of the namespace (for tests and rebuilds). */
    public String pattern() {
        return prefix() + "*";
    }

    /** Hash: {@code total} (orders ever created), current counts per status, {@code revenue:<CUR>} in minor units. */
    public String orderStats() {
        return prefix() + "stats:orders";
    }

    /** Sorted set: order ids scored by creation time in epoch millis, capped. */
    public String recentOrders() {
        return prefix() + "recent_orders";
    }

    /** Hash: one order's status, customer, total, currency and times. */
    public String order(String orderId) {
        return prefix() + ORDER + orderId;
    }

    /** Hash: one account's balance (decimal string), currency, version. */
    public String account(String accountId) {
        return prefix() + ACCOUNT + accountId;
    }

    /** String: the highest version of the stream applied. */
    public String applied(String streamId) {
        return prefix() + APPLIED + streamId;
    }

    /** Hash: {@code txId} and {@code position} of the read model's checkpoint. */
    public String checkpoint(String readModel) {
        return prefix() + "checkpoint:" + readModel;
    }

    // The batch script builds these keys itself from the prefix (it receives ids, not keys).
    static final String ORDER = "order:";
    static final String ACCOUNT = "account:";
    static final String APPLIED = "applied:";
}
