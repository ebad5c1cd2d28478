package io.projhub.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestStoresTest {

    private static final Map<String, String> LOCAL = Map.ofEntries(
            Map.entry("PROJHUB_PG_URL", "jdbc:postgresql://127.0.0.1:5432/projhub"),
            Map.entry("PROJHUB_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/projhub_test"),
            Map.entry("PROJHUB_PG_USER", "projhub"), Map.entry("PROJHUB_PG_PASSWORD", "secret"),
            Map.entry("PROJHUB_REDIS_URL", "redis://127.0.0.1:6379"),
            Map.entry("PROJHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/1"),
            Map.entry("PROJHUB_ES_URL", "http://127.0.0.1:9200"),
            Map.entry("PROJHUB_NEO4J_URI", "bolt://127.0.0.1:7687"), Map.entry("PROJHUB_NEO4J_USER", "neo4j"),
            Map.entry("PROJHUB_INFLUX_URL", "http://127.0.0.1:8086"), Map.entry("PROJHUB_INFLUX_ORG", "projhub"),
            Map.entry("PROJHUB_INFLUX_BUCKET", "projhub"), Map.entry("PROJHUB_INFLUX_TOKEN", "t"));

    @Test
    void testsGetTheTestDatabaseRedisDatabaseAndBucketWhenTheyAreGiven() {
        StoreEndpoints stores = TestStores.fromVariables(LOCAL::get, "env");

        assertThat(stores.postgresUrl()).endsWith("/projhub_test");
        assertThat(stores.redisUrl()).endsWith("/1");
        assertThat(stores.influxBucket()).isEqualTo("projhub");
        assertThat(stores.neo4jPassword()).isEmpty();
    }

    @Test
    void aMissingVariableFailsWithItsNameAndHowToStartTheStores() {
        assertThatThrownBy(() -> TestStores.fromVariables(name -> name.equals("PROJHUB_ES_URL") ? null : LOCAL.get(name), "env"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PROJHUB_ES_URL")
                .hasMessageContaining("deploy/stores.sh up");
    }

    @Test
    void theStoresEnvFileWrittenByTheDeployScriptIsRead(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("stores.env");
        Files.writeString(file, "# comment\nexport PROJHUB_ES_URL=http://127.0.0.1:9201\nexport PROJHUB_NEO4J_PASSWORD=\n");

        Map<String, String> vars = TestStores.readEnvFile(file);

        assertThat(vars).containsEntry("PROJHUB_ES_URL", "http://127.0.0.1:9201").containsEntry("PROJHUB_NEO4J_PASSWORD", "");
    }

    @Test
    void endpointsNeverPrintCredentials() {
        StoreEndpoints stores = TestStores.fromVariables(LOCAL::get, "env");

        assertThat(stores.toString()).doesNotContain("secret").contains("projhub_test");
    }
}
