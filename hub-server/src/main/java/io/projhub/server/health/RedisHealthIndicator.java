package io.projhub.server.health;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import redis.clients.jedis.JedisPooled;

/** UP when Redis answers PING. */
public class RedisHealthIndicator extends AbstractHealthIndicator {

    private final JedisPooled jedis;

    public RedisHealthIndicator(JedisPooled jedis) {
        super("Redis health check failed");
        this.jedis = jedis;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.status("PONG".equals(jedis.ping()) ? "UP" : "DOWN");
    }
}
