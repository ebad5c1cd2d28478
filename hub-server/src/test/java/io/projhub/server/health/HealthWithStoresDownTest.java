package io.projhub.server.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.projhub.server.StoresForSpring;
import io.projhub.server.TestCredentials;
import io.projhub.testsupport.RealStores;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@RealStores
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"projhub.projection.enabled=false", "projhub.monitor.enabled=false"})
class HealthWithStoresDownTest {

    @DynamicPropertySource
    static void stores(DynamicPropertyRegistry registry) {
        StoresForSpring.register(registry);
        // Nothing listens on port 1: these two stores are unreachable from the start.
        registry.add("projhub.stores.redis.url", () -> "redis://127.0.0.1:1");
        registry.add("projhub.stores.neo4j.uri", () -> "bolt://127.0.0.1:1");
        registry.add("projhub.security.api-keys-file", TestCredentials.KEYS_FILE::toString);
    }

    @LocalServerPort
    int port;

    @Test
    void theHubStartsAnywayAndReportsThemDownWithAReason() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health"))
                        .header("X-API-Key", TestCredentials.READER).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode health = JsonMapper.builder().build().readTree(response.body());

        assertThat(response.statusCode()).isEqualTo(503);
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
