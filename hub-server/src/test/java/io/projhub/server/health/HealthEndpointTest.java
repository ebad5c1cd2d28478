package io.projhub.server.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.projhub.server.StoresForSpring;
import io.projhub.testsupport.RealStores;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class HealthEndpointTest {

    private static final String[] STORES = {"postgres", "redis", "elasticsearch", "neo4j", "influxdb"};

    static JsonNode health(int port) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JsonMapper.builder().build().readTree(response.body());
        return body;
    }

    @Nested
    @RealStores
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    class WithEveryStoreRunning {

        @DynamicPropertySource
        static void stores(DynamicPropertyRegistry registry) {
            StoresForSpring.register(registry);
        }

        @LocalServerPort
        int port;

        @Test
        void showsEachOfTheFiveStoresUp() throws Exception {
            JsonNode health = health(port);

            for (String store : STORES) {
                assertThat(health.path("components").path(store).path("status").asString())
                        .as("health of %s: %s", store, health.path("components").path(store))
                        .isEqualTo("UP");
            }
            assertThat(health.path("status").asString()).isEqualTo("UP");
            assertThat(health.path("components").path("elasticsearch").path("details").path("nodes").asInt()).isEqualTo(1);
        }
    }

    @Nested
    @RealStores
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
            // Nothing listens on port 1: these two stores are unreachable from the start.
            "projhub.stores.redis.url=redis://127.0.0.1:1",
            "projhub.stores.neo4j.uri=bolt://127.0.0.1:1"})
    class WithTwoStoresUnreachable {

        @DynamicPropertySource
        static void stores(DynamicPropertyRegistry registry) {
            StoresForSpring.register(registry);
            registry.add("projhub.stores.redis.url", () -> "redis://127.0.0.1:1");
            registry.add("projhub.stores.neo4j.uri", () -> "bolt://127.0.0.1:1");
        }

        @LocalServerPort
        int port;

        @Test
        void startsAnywayAndReportsThemDownWithAReason() throws Exception {
            JsonNode health = health(port);

            assertThat(health.path("status").asString()).isEqualTo("DOWN");
            for (String down : new String[] {"redis", "neo4j"}) {
                JsonNode entry = health.path("components").path(down);
                assertThat(entry.path("status").asString()).as("%s: %s", down, entry).isEqualTo("DOWN");
                assertThat(entry.path("details").path("error").asString()).as("reason for %s", down).isNotBlank();
            }
            for (String up : new String[] {"postgres", "elasticsearch", "influxdb"}) {
                assertThat(health.path("components").path(up).path("status").asString()).as(up).isEqualTo("UP");
            }
        }
    }
}
