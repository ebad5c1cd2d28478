package io.projhub.server;

import org.springframework.test.context.DynamicPropertyRegistry;

import io.projhub.testsupport.StoreEndpoints;
import io.projhub.testsupport.TestStores;

/** Points a Spring test context at the real stores of this test run. */
public final class StoresForSpring {

    private StoresForSpring() {
    }

    public static void register(DynamicPropertyRegistry registry) {
        StoreEndpoints stores = TestStores.endpoints();
        registry.add("spring.datasource.url", stores::postgresUrl);
        registry.add("spring.datasource.username", stores::postgresUser);
        registry.add("spring.datasource.password", stores::postgresPassword);
        registry.add("projhub.stores.redis.url", stores::redisUrl);
        registry.add("projhub.stores.elasticsearch.url", stores::elasticsearchUrl);
        registry.add("projhub.stores.neo4j.uri", stores::neo4jUri);
        registry.add("projhub.stores.neo4j.user", stores::neo4jUser);
        registry.add("projhub.stores.neo4j.password", stores::neo4jPassword);
        registry.add("projhub.stores.influxdb.url", stores::influxUrl);
        registry.add("projhub.stores.influxdb.org", stores::influxOrg);
        registry.add("projhub.stores.influxdb.bucket", stores::influxBucket);
        registry.add("projhub.stores.influxdb.token", stores::influxToken);
    }
}
