package io.projhub.projectors.redis;

import java.util.List;
import java.util.Objects;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.ReadModelProbe;
import redis.clients.jedis.JedisPooled;

/** Reads the Redis read model's checkpoint and applied versions from Redis itself. */
public final class RedisProbe implements ReadModelProbe {

    private final JedisPooled redis;
    private final RedisKeys keys;

    public RedisProbe(JedisPooled redis, String namespace) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.keys = new RedisKeys(namespace);
    }

    @Override
    public String name() {
        return RedisOrderProjector.NAME;
    }

    @Override
    public LogPosition checkpoint() {
        List<String> stored = redis.hmget(keys.checkpoint(RedisOrderProjector.NAME), "txId", "position");
        if (stored.get(0) == null || stored.get(1) == null) {
            return LogPosition.START;
        }
        return new LogPosition(Long.parseLong(stored.get(0)), Long.parseLong(stored.get(1)));
    }

    @Override
    public long appliedVersion(String streamId) {
        String version = redis.get(keys.applied(Objects.requireNonNull(streamId, "streamId")));
        return version == null ? 0 : Long.parseLong(version);
    }
}
