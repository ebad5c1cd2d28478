package io.projhub.projectors.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import redis.clients.jedis.JedisPooled;

@RealStores
class RedisConnectivityTest {

    @Test
    void aHashWrittenWithJedisIsReadBackAndCountersIncrement(StoreEndpoints stores) {
        try (JedisPooled redis = RedisConnector.connect(stores.redisUrl())) {
            String key = "projhub:connectivity:" + UUID.randomUUID();
            try {
                redis.hset(key, "status", "CREATED");
                redis.hincrBy(key, "total", 2);
                redis.hincrBy(key, "total", 3);

                assertThat(redis.hget(key, "status")).isEqualTo("CREATED");
                assertThat(redis.hget(key, "total")).isEqualTo("5");
                assertThat(redis.ping()).isEqualTo("PONG");
            } finally {
                redis.del(key);
            }
        }
    }
}
