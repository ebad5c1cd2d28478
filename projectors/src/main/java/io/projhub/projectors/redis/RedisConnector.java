package io.projhub.projectors.redis;

import java.net.URI;

import redis.clients.jedis.JedisPooled;

/** Builds a pooled Jedis client from a {@code redis://host:port[/db]} URL. Connects lazily. */
public final class RedisConnector {

    private RedisConnector() {
    }

    public static JedisPooled connect(String url) {
        return new JedisPooled(URI.create(url));
    }
}
