package io.projhub.server.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.projhub.server.HubTestBase;
import io.projhub.server.TestCredentials;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Protocol;
import tools.jackson.databind.JsonNode;

class HealthEndpointTest extends HubTestBase {

    static final String[] STORES = {"postgres", "redis", "elasticsearch", "neo4j", "influxdb"};

    @Test
    void showsEachOfTheFiveStoresUp() throws Exception {
        JsonNode health = json(get("/actuator/health"));

        for (String store : STORES) {
            assertThat(health.path("components").path(store).path("status").asString())
                    .as("health of %s: %s", store, health.path("components").path(store))
                    .isEqualTo("UP");
        }
        assertThat(health.path("status").asString()).isEqualTo("UP");
        assertThat(health.path("components").path("elasticsearch").path("details").path("nodes").asInt()).isEqualTo(1);
        // The projection as a whole: DOWN only when the subscriber refuses to project (a log from another cluster).
        assertThat(health.path("components").path("projection").path("status").asString()).isEqualTo("UP");
    }

    /** The status is open (load balancers); the stores' details (versions, addresses, errors) need a reader. */
    @Test
    void detailsOnlyToAReaderOrAnAdmin() throws Exception {
        var anonymous = get("/actuator/health", ANONYMOUS);
        assertThat(anonymous.statusCode()).isIn(200, 503);
        JsonNode open = json(anonymous);
        assertThat(open.path("status").asString()).isNotBlank();
        assertThat(open.has("components")).as(anonymous.body()).isFalse();
        assertThat(json(get("/actuator/health", apiKey(TestCredentials.WRITER))).has("components"))
                .as("a writer").isFalse();
        for (String key : new String[] {TestCredentials.READER, TestCredentials.ADMIN}) {
            assertThat(json(get("/actuator/health", apiKey(key))).path("components").path("postgres")
                    .path("status").asString()).isEqualTo("UP");
        }
        assertThat(json(get("/actuator/health", admin())).path("components").has("postgres")).as("the admin login")
                .isTrue();
        assertThat(get("/actuator/health/redis", ANONYMOUS).statusCode()).as("a component alone")
                .isIn(200, 404, 503);
        assertThat(get("/actuator/health/redis", ANONYMOUS).body()).doesNotContain("maxmemory");
    }

    @Autowired
    JedisPooled redis;

    /** Redis that may evict any key would lose version records (issue 17): health says so, and why. */
    @Test
    void redisThatMayEvictTheHubsKeysIsDownWithTheReason() throws Exception {
        String before = RedisHealthIndicator.maxmemoryPolicy(redis);
        try {
            redis.sendCommand(Protocol.Command.CONFIG, "SET", "maxmemory-policy", "allkeys-lru");
            JsonNode down = json(get("/actuator/health")).path("components").path("redis");
            assertThat(down.path("status").asString()).as(down.toString()).isEqualTo("DOWN");
            assertThat(down.path("details").path("reason").asString()).contains("allkeys-lru", "noeviction");

            redis.sendCommand(Protocol.Command.CONFIG, "SET", "maxmemory-policy", "volatile-lru");
            JsonNode up = json(get("/actuator/health")).path("components").path("redis");
            assertThat(up.path("status").asString()).as("the hub's keys carry no TTL").isEqualTo("UP");
            assertThat(up.path("details").path("maxmemoryPolicy").asString()).isEqualTo("volatile-lru");
        } finally {
            redis.sendCommand(Protocol.Command.CONFIG, "SET", "maxmemory-policy", before);
        }
    }
}
