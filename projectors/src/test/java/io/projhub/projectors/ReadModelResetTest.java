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
import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.Projector;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.projectors.elasticsearch.ElasticsearchConnector;
import io.projhub.projectors.influxdb.InfluxConnector;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel;
import io.projhub.projectors.influxdb.InfluxDefinedReadModel;
import io.projhub.projectors.jdbc.JdbcDefinedReadModel;
import io.projhub.projectors.redis.RedisDefinedReadModel;
import io.projhub.projectors.testing.RefreshingProbe;
import io.projhub.projectors.testing.ShippedDefinitions;
import io.projhub.projectors.testing.TestDatabase;
import io.projhub.projectors.neo4j.Neo4jConnector;
import io.projhub.projectors.neo4j.Neo4jGraphQueries;
import io.projhub.projectors.neo4j.Neo4jDefinedReadModel;
import io.projhub.projectors.redis.RedisConnector;
import io.projhub.projectors.testing.OrderEventLog;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import redis.clients.jedis.JedisPooled;

/** The admin rebuild starts with {@link Projector#reset()}: each store really forgets the read model and its checkpoint. */
@RealStores
class ReadModelResetTest {

    // Recent: the InfluxDB probe looks for a stream's points in the last 90 days only.
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofDays(1));

    private static OrderEventLog log(String orderId) {
        OrderEventLog log = new OrderEventLog(1);
        log.created(orderId, "customer-" + orderId, "Reset Test", "EUR", "12.00", T0, "Widget");
        log.shipped(orderId, "DHL", "TRK-" + orderId, T0.plusSeconds(60), 60_000);
        return log;
    }

    private static void applyThenReset(Projector projector, ReadModelProbe probe, OrderEventLog log,
                                       String orderId, CheckedBoolean present) throws Exception {
        projector.apply(new EventBatch(log.events(), log.head()));
        assertThat(probe.checkpoint()).isEqualTo(log.head());
        assertThat(probe.appliedVersion(orderId)).isEqualTo(2);
        assertThat(present.get()).as("the order is in the read model before the reset").isTrue();

        projector.reset();

        assertThat(probe.checkpoint()).isEqualTo(LogPosition.START);
        assertThat(probe.appliedVersion(orderId)).isZero();
        assertThat(present.get()).as("the order is gone after the reset").isFalse();

        projector.apply(new EventBatch(log.events(), log.head()));
        assertThat(probe.appliedVersion(orderId)).as("applied again after the reset").isEqualTo(2);
    }

    @FunctionalInterface
    private interface CheckedBoolean {
        boolean get() throws Exception;
    }

    @Test
    void theRelationalViewIsEmptiedWithItsCheckpoint(StoreEndpoints stores) throws Exception {
        String orderId = "order-" + UUID.randomUUID();
        String schema = "rm_reset_" + UUID.randomUUID().toString().substring(0, 8);
        try (HikariDataSource ds = new HikariDataSource()) {
            ds.setJdbcUrl(stores.postgresUrl());
            ds.setUsername(stores.postgresUser());
            ds.setPassword(stores.postgresPassword());
            try {
                JdbcDefinedReadModel orders = new JdbcDefinedReadModel(ds, schema,
                        ShippedDefinitions.program("order-details"));
                applyThenReset(orders.projector(), orders.probe(), log(orderId), orderId,
                        () -> orders.document(orderId, 1).isPresent());
            } finally {
                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    s.execute("drop schema if exists " + schema + " cascade");
                }
            }
        }
    }

    @Test
    void elasticsearchRecreatesEmptyIndices(StoreEndpoints stores) throws Exception {
        String namespace = "reset" + UUID.randomUUID().toString().substring(0, 8) + "-";
        String orderId = "order-" + UUID.randomUUID();
        ElasticsearchClient client = ElasticsearchConnector.connect(stores.elasticsearchUrl());
        ElasticsearchDefinedReadModel orders = new ElasticsearchDefinedReadModel(client, namespace,
                ShippedDefinitions.program("order-search"));
        try {
            ReadModelProbe refreshing = RefreshingProbe.of(orders);
            applyThenReset(orders.projector(), refreshing, log(orderId), orderId,
                    () -> orders.document(orderId, 1).isPresent());
        } finally {
            orders.drop();
            client._transport().close();
        }
    }

    @Test
    void redisDeletesEveryKeyOfTheReadModelOnly(StoreEndpoints stores) throws Exception {
        String namespace = "reset" + UUID.randomUUID().toString().substring(0, 8);
        String orderId = "order-" + UUID.randomUUID();
        try (JedisPooled redis = RedisConnector.connect(stores.redisUrl())) {
            String bystander = "projhub:reset-test:" + namespace;
            redis.set(bystander, "untouched");
            RedisDefinedReadModel orders = new RedisDefinedReadModel(redis, namespace,
                    ShippedDefinitions.program("order-stats"));
            try {
                applyThenReset(orders.projector(), orders.probe(), log(orderId), orderId,
                        () -> orders.counter("created").isPresent());
                assertThat(redis.get(bystander)).isEqualTo("untouched");
            } finally {
                orders.drop();
                redis.del(bystander);
            }
        }
    }

    @Test
    void neo4jDeletesTheGraphAndItsCheckpoint(StoreEndpoints stores) throws Exception {
        String namespace = "reset" + UUID.randomUUID().toString().substring(0, 8);
        String orderId = "order-" + UUID.randomUUID();
        try (Driver driver = Neo4jConnector.connect(stores.neo4jUri(), stores.neo4jUser(), stores.neo4jPassword())) {
            Neo4jDefinedReadModel orders = new Neo4jDefinedReadModel(driver, namespace,
                    ShippedDefinitions.program("order-graph"));
            Neo4jGraphQueries queries = new Neo4jGraphQueries(driver, orders);
            try {
                applyThenReset(orders.projector(), orders.probe(), log(orderId), orderId,
                        () -> queries.orderGraph(orderId).isPresent());
            } finally {
                orders.drop();
            }
        }
    }

    @Test
    void influxDropsTheMeasurementAndItsRecords(StoreEndpoints stores) throws Exception {
        String namespace = "reset" + UUID.randomUUID().toString().substring(0, 8) + "_";
        String orderId = "order-" + UUID.randomUUID();
        try (InfluxDBClient influx = InfluxConnector.connect(stores.influxUrl(), stores.influxToken(),
                stores.influxOrg(), stores.influxBucket())) {
            InfluxDefinedReadModel orders = new InfluxDefinedReadModel(influx, stores.influxOrg(),
                    stores.influxBucket(), namespace, ShippedDefinitions.program("order-lifecycle"),
                    TestDatabase.of(stores), TestDatabase.SCHEMA);
            try {
                applyThenReset(orders.projector(), orders.probe(), log(orderId), orderId,
                        () -> orders.probe().appliedVersion(orderId) > 0);
            } finally {
                orders.drop();
            }
        }
    }
}
