package io.projhub.projectors.neo4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;

import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

@RealStores
class Neo4jConnectivityTest {

    @Test
    void aNodeMergedWithTheJavaDriverIsReadBackOnceEvenWhenMergedTwice(StoreEndpoints stores) {
        try (Driver driver = Neo4jConnector.connect(stores.neo4jUri(), stores.neo4jUser(), stores.neo4jPassword())) {
            driver.verifyConnectivity();
            String id = "connectivity-" + UUID.randomUUID();
            try {
                for (int i = 0; i < 2; i++) {
                    driver.executableQuery("MERGE (c:ConnectivityCheck {id: $id}) SET c.name = $name")
                            .withParameters(Map.of("id", id, "name", "Ada")).execute();
                }

                var result = driver.executableQuery("MATCH (c:ConnectivityCheck {id: $id}) RETURN c.name AS name")
                        .withParameters(Map.of("id", id)).execute();

                assertThat(result.records()).hasSize(1);
                Record record = result.records().get(0);
                assertThat(record.get("name").asString()).isEqualTo("Ada");
            } finally {
                driver.executableQuery("MATCH (c:ConnectivityCheck {id: $id}) DELETE c")
                        .withParameters(Map.of("id", id)).execute();
            }
        }
    }
}
