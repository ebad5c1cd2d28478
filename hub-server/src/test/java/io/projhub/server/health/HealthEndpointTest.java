package io.projhub.server.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.projhub.server.HubTestBase;
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
}
