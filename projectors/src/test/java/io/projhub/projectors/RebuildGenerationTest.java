package io.projhub.projectors;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.neo4j.driver.Driver;

import com.influxdb.client.InfluxDBClient;
import com.zaxxer.hikari.HikariDataSource;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.EventBatch;
import io.projhub.definitions.DefinedReadModel;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.projectors.elasticsearch.ElasticsearchConnector;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel;
import io.projhub.projectors.influxdb.InfluxConnector;
import io.projhub.projectors.influxdb.InfluxDefinedReadModel;
import io.projhub.projectors.jdbc.JdbcDefinedReadModel;
import io.projhub.projectors.neo4j.Neo4jConnector;
import io.projhub.projectors.neo4j.Neo4jDefinedReadModel;
import io.projhub.projectors.redis.RedisConnector;
import io.projhub.projectors.redis.RedisDefinedReadModel;
import io.projhub.projectors.testing.OrderEventLog;
import io.projhub.projectors.testing.RefreshingProbe;
import io.projhub.projectors.testing.ShippedDefinitions;
import io.projhub.projectors.testing.TestDatabase;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import redis.clients.jedis.JedisPooled;

/**
 * An admin rebuild fills the next generation of a read model's version beside the live one: in every store the new
 * build starts empty under names of its own, fills without touching the live build, and dropping it (or the live
 * one, once replaced) leaves the other whole.
 */
@RealStores
class RebuildGenerationTest {

    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofDays(1));

    @FunctionalInterface
    private interface Build {
        DefinedReadModel generation(int generation) throws Exception;
    }

    private static void buildsSideBySide(Build build) throws Exception {
        String orderId = "order-" + UUID.randomUUID();
        OrderEventLog log = new OrderEventLog(1);
        log.created(orderId, "customer-" + orderId, "Rebuild Test", "EUR", "12.00", T0, "Widget");
        log.shipped(orderId, "DHL", "TRK-" + orderId, T0.plusSeconds(60), 60_000);
        DefinedReadModel live = build.generation(0);
        DefinedReadModel next = build.generation(1);
        try {
            assertThat(next.generation()).isEqualTo(1);
            live.projector().apply(new EventBatch(log.events(), log.head()));
            assertThat(live.probe().appliedVersion(orderId)).isEqualTo(2);

            assertThat(next.probe().checkpoint()).as("the new build starts from the start of the log")
                    .isEqualTo(LogPosition.START);
            assertThat(next.probe().appliedVersion(orderId)).isZero();

            next.projector().apply(new EventBatch(log.events().subList(0, 1), log.head()));
            assertThat(next.probe().appliedVersion(orderId)).isEqualTo(1);
            assertThat(live.probe().appliedVersion(orderId)).as("the live build is untouched").isEqualTo(2);

            next.drop();
            assertThat(live.probe().checkpoint()).isEqualTo(log.head());
            assertThat(live.probe().appliedVersion(orderId)).as("dropping the new build leaves the live one")
                    .isEqualTo(2);
        } finally {
            next.drop();
            live.drop();
        }
    }

    private static ReadModelProgram program(String name) throws Exception {
        return ShippedDefinitions.program(name);
    }

    @Test
    void postgresTablesOfARebuildAreTheirOwn(StoreEndpoints stores) throws Exception {
        String schema = "rm_gen_" + UUID.randomUUID().toString().substring(0, 8);
        try (HikariDataSource ds = new HikariDataSource()) {
            ds.setJdbcUrl(stores.postgresUrl());
            ds.setUsername(stores.postgresUser());
            ds.setPassword(stores.postgresPassword());
            try {
                ReadModelProgram program = program("order-details");
                buildsSideBySide(g -> new JdbcDefinedReadModel(ds, schema, program, g));
                JdbcDefinedReadModel rebuilt = new JdbcDefinedReadModel(ds, schema, program, 2);
                assertThat(rebuilt.tableName()).isEqualTo(program.definition().target().table() + "_v"
                        + program.definition().version() + "r2");
            } finally {
                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    s.execute("drop schema if exists " + schema + " cascade");
                }
            }
        }
    }

    @Test
    void elasticsearchBuildsAnIndexOfItsOwnAndPromotingItMovesTheAlias(StoreEndpoints stores) throws Exception {
        String namespace = "gen" + UUID.randomUUID().toString().substring(0, 8) + "-";
        ElasticsearchClient client = ElasticsearchConnector.connect(stores.elasticsearchUrl());
        ReadModelProgram program = program("order-search");
        try {
            buildsSideBySide(g -> {
                ElasticsearchDefinedReadModel model = new ElasticsearchDefinedReadModel(client, namespace, program, g);
                return new RefreshingBuild(model);
            });
            ElasticsearchDefinedReadModel first = new ElasticsearchDefinedReadModel(client, namespace, program, 0);
            ElasticsearchDefinedReadModel second = new ElasticsearchDefinedReadModel(client, namespace, program, 1);
            try {
                first.start();
                second.start();
                assertThat(second.concreteIndex()).isEqualTo(first.concreteIndex() + "r1");
                assertThat(aliasHolders(client, first.alias())).containsExactly(first.concreteIndex());
                second.promote();
                assertThat(aliasHolders(client, first.alias())).containsExactly(second.concreteIndex());
                first.promote();
                assertThat(aliasHolders(client, first.alias())).containsExactly(first.concreteIndex());
            } finally {
                second.drop();
                first.drop();
            }
        } finally {
            client._transport().close();
        }
    }

    private static java.util.Set<String> aliasHolders(ElasticsearchClient client, String alias) throws Exception {
        return client.indices().getAlias(g -> g.name(alias)).aliases().keySet();
    }

    @Test
    void redisKeysOfARebuildAreTheirOwn(StoreEndpoints stores) throws Exception {
        String namespace = "gen" + UUID.randomUUID().toString().substring(0, 8);
        try (JedisPooled redis = RedisConnector.connect(stores.redisUrl())) {
            ReadModelProgram program = program("order-stats");
            buildsSideBySide(g -> new RedisDefinedReadModel(redis, namespace, program, g));
        }
    }

    @Test
    void neo4jNodesOfARebuildAreTheirOwn(StoreEndpoints stores) throws Exception {
        String namespace = "gen" + UUID.randomUUID().toString().substring(0, 8);
        try (Driver driver = Neo4jConnector.connect(stores.neo4jUri(), stores.neo4jUser(), stores.neo4jPassword())) {
            ReadModelProgram program = program("order-graph");
            buildsSideBySide(g -> new Neo4jDefinedReadModel(driver, namespace, program, g));
        }
    }

    @Test
    void influxMeasurementOfARebuildIsItsOwn(StoreEndpoints stores) throws Exception {
        String namespace = "gen" + UUID.randomUUID().toString().substring(0, 8) + "_";
        try (InfluxDBClient influx = InfluxConnector.connect(stores.influxUrl(), stores.influxToken(),
                stores.influxOrg(), stores.influxBucket())) {
            ReadModelProgram program = program("order-lifecycle");
            buildsSideBySide(g -> new InfluxDefinedReadModel(influx, stores.influxOrg(), stores.influxBucket(),
                    namespace, program, TestDatabase.of(stores), TestDatabase.SCHEMA, g));
        }
    }

    /** Elasticsearch's probe sees what the last refresh made searchable: refresh before each look. */
    private record RefreshingBuild(ElasticsearchDefinedReadModel model) implements DefinedReadModel {
        @Override
        public ReadModelProgram program() {
            return model.program();
        }

        @Override
        public io.projhub.core.projection.Projector projector() {
            return model.projector();
        }

        @Override
        public io.projhub.core.projection.ReadModelProbe probe() {
            return RefreshingProbe.of(model);
        }

        @Override
        public java.util.Optional<String> storedHash() throws Exception {
            return model.storedHash();
        }

        @Override
        public java.util.Optional<java.util.Map<String, Object>> document(String key, int depth) throws Exception {
            return model.document(key, depth);
        }

        @Override
        public int generation() {
            return model.generation();
        }

        @Override
        public void drop() throws Exception {
            model.drop();
        }
    }
}
