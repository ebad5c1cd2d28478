package io.projhub.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import javax.sql.DataSource;

import org.neo4j.driver.Driver;

import com.influxdb.client.InfluxDBClient;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.postgres.EventStoreMigrations;
import io.projhub.core.eventstore.postgres.PostgresEventStore;
import io.projhub.core.projection.Projector;
import io.projhub.projectors.elasticsearch.ElasticsearchConnector;
import io.projhub.projectors.elasticsearch.ElasticsearchOrderProjector;
import io.projhub.projectors.influxdb.InfluxConnector;
import io.projhub.projectors.influxdb.InfluxOrderProjector;
import io.projhub.projectors.jdbc.JdbcOrderProjector;
import io.projhub.projectors.jdbc.RelationalSchema;
import io.projhub.projectors.neo4j.Neo4jConnector;
import io.projhub.projectors.neo4j.Neo4jOrderProjector;
import io.projhub.projectors.redis.RedisConnector;
import io.projhub.projectors.redis.RedisOrderProjector;
import io.projhub.testsupport.StoreEndpoints;
import io.projhub.testsupport.TestStores;
import redis.clients.jedis.JedisPooled;

/**
 * The bench's own view of the local stores: its database ({@code projhub_bench}), Redis database 2, bucket
 * {@code projhub_bench}, and the namespace {@code bench-} for indices, keys and measurements. Neo4j has one graph:
 * {@link #wipe()} clears all of it.
 */
public final class BenchStores implements AutoCloseable {

    public static final String NAMESPACE = "bench-";
    public static final String RELATIONAL_SCHEMA = "read_model";

    private final StoreEndpoints endpoints;
    private final HikariDataSource dataSource;
    private final ElasticsearchClient elasticsearch;
    private final JedisPooled redis;
    private final Driver neo4j;
    private final InfluxDBClient influx;

    public BenchStores() {
        this(TestStores.benchEndpoints());
    }

    public BenchStores(StoreEndpoints endpoints) {
        this.endpoints = endpoints;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(endpoints.postgresUrl());
        config.setUsername(endpoints.postgresUser());
        config.setPassword(endpoints.postgresPassword());
        config.setMaximumPoolSize(16);
        config.setPoolName("bench");
        this.dataSource = new HikariDataSource(config);
        this.elasticsearch = ElasticsearchConnector.connect(endpoints.elasticsearchUrl());
        this.redis = RedisConnector.connect(endpoints.redisUrl());
        this.neo4j = Neo4jConnector.connect(endpoints.neo4jUri(), endpoints.neo4jUser(), endpoints.neo4jPassword());
        this.influx = InfluxConnector.connect(endpoints.influxUrl(), endpoints.influxToken(), endpoints.influxOrg(),
                endpoints.influxBucket());
    }

    public StoreEndpoints endpoints() {
        return endpoints;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public ElasticsearchClient elasticsearch() {
        return elasticsearch;
    }

    public JedisPooled redis() {
        return redis;
    }

    public Driver neo4j() {
        return neo4j;
    }

    public InfluxDBClient influx() {
        return influx;
    }

    /** The event store of the bench database, its tables created. */
    public EventStore eventStore() {
        EventStoreMigrations.migrate(dataSource);
        return new PostgresEventStore(dataSource, DomainEventTypes.registry());
    }

    /** The five projectors as the hub builds them, in the bench namespace (for the floor and for resets). */
    public List<Projector> projectors() throws SQLException {
        return List.of(
                new JdbcOrderProjector(dataSource, new RelationalSchema(RELATIONAL_SCHEMA), DomainEventTypes.registry()),
                new ElasticsearchOrderProjector(elasticsearch, NAMESPACE),
                new RedisOrderProjector(redis, NAMESPACE),
                new Neo4jOrderProjector(neo4j, NAMESPACE),
                new InfluxOrderProjector(influx, endpoints.influxOrg(), endpoints.influxBucket(), NAMESPACE));
    }

    /**
     * Empties everything the bench owns: the bench database (event log, checkpoints, dead letters, alerts, relational
     * view), the namespace's indices, keys and measurements, and the whole Neo4j graph.
     */
    public void wipe() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("drop schema if exists " + RELATIONAL_SCHEMA + " cascade");
            s.execute("drop schema if exists public cascade");
            s.execute("create schema public");
        }
        for (Projector projector : projectors()) {
            if (!(projector instanceof JdbcOrderProjector)) {
                resetRetryingTransients(projector);
            }
        }
    }

    /** A reset that meets another client's transaction in Neo4j (a deadlock, a transient error) is tried again. */
    public static void resetRetryingTransients(Projector projector) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                projector.reset();
                return;
            } catch (org.neo4j.driver.exceptions.TransientException e) {
                if (attempt >= 10) {
                    throw e;
                }
                Thread.sleep(500L * attempt);
            }
        }
    }

    @Override
    public void close() {
        dataSource.close();
        redis.close();
        neo4j.close();
        influx.close();
        try {
            elasticsearch.close();
        } catch (Exception ignored) {
            // closing a client of a store that is down
        }
    }
}
