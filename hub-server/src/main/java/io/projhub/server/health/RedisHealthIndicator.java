package io.projhub.server.health;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * UP when Redis answers PING and cannot evict the hub's keys. A {@code maxmemory-policy} of {@code allkeys-*} may
 * evict any key under memory pressure, version records included, and a stream whose record was evicted would have its
 * counters counted twice when it is applied again: health is DOWN with the reason. The {@code volatile-*} policies
 * evict only keys with a TTL, and the hub sets none. A Redis that refuses {@code CONFIG GET} (a managed service's ACL)
 * is reported with the policy unknown.
 */
public class RedisHealthIndicator extends AbstractHealthIndicator {

    private final JedisPooled jedis;

    public RedisHealthIndicator(JedisPooled jedis) {
        super("Redis health check failed");
        this.jedis = jedis;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        if (!"PONG".equals(jedis.ping())) {
            builder.down();
            return;
        }
        String policy;
        try {
            policy = maxmemoryPolicy(jedis);
        } catch (JedisDataException e) {
            builder.up().withDetail("maxmemoryPolicy", "unknown (" + e.getMessage() + ")");
            return;
        }
        if (policy == null) {
            builder.up().withDetail("maxmemoryPolicy", "unknown");
            return;
        }
        builder.withDetail("maxmemoryPolicy", policy);
        if (evictsAnyKey(policy)) {
            builder.down().withDetail("reason", "maxmemory-policy " + policy + " may evict the read models' version "
                    + "records, and a stream applied again after that would count twice: set it to noeviction "
                    + "(or a volatile-* policy)");
        } else {
            builder.up();
        }
    }

    /** {@code CONFIG GET maxmemory-policy} ({@link JedisPooled} has no typed method for it); null if not reported. */
    public static String maxmemoryPolicy(JedisPooled jedis) {
        Object reply = jedis.sendCommand(Protocol.Command.CONFIG, "GET", "maxmemory-policy");
        if (reply instanceof List<?> values && values.size() == 2 && values.get(1) instanceof byte[] value) {
            return new String(value, StandardCharsets.UTF_8);
        }
        return null;
    }

    static boolean evictsAnyKey(String policy) {
        return policy != null && policy.startsWith("allkeys-");
    }
}
