package io.projhub.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

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
import io.projhub.definitions.DefinedReadModel;
import io.projhub.definitions.DefinitionLoader;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.projectors.elasticsearch.ElasticsearchConnector;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel;
import io.projhub.projectors.influxdb.InfluxDefinedReadModel;
import io.projhub.projectors.jdbc.JdbcDefinedReadModel;
import io.projhub.projectors.neo4j.Neo4jDefinedReadModel;
import io.projhub.projectors.redis.RedisDefinedReadModel;
import io.projhub.projectors.influxdb.InfluxConnector;
import io.projhub.projectors.neo4j.Neo4jConnector;
import io.projhub.projectors.redis.RedisConnector;
import io.projhub.testsupport.StoreEndpoints;
import io.projhub.testsupport.TestStores;
import redis.clients.jedis.JedisPooled;

/**
 * The bench's own view of the local stores: its database ({@code projhub_bench}), Redis database 2, bucket
 * {@code projhub_bench}, and the namespace {@code bench-} for indices, keys, measurements and graph markers.
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

    /** The order read models of definition files ({@code read-models/}), those the order API answers from. */
    public static final List<String> ORDER_DEFINITIONS = List.of("order-details", "customer-directory", "order-search",
            "order-stats", "order-graph", "order-lifecycle");

    /** The order read models as the hub builds them, in the bench namespace (for the floor and for resets). */
    public List<Projector> projectors() throws Exception {
        List<Projector> projectors = new ArrayList<>();
        for (DefinedReadModel model : definedReadModels(ORDER_DEFINITIONS)) {
            projectors.add(model.projector());
        }
        return projectors;
    }

    /** The read models of these definition files, in the bench namespace, as the hub builds them. */
    public List<DefinedReadModel> definedReadModels(List<String> names) throws Exception {
        return definedReadModels(names, 0);
    }

    /** The given build (0: the first, one more per admin rebuild) of the read models of these definition files. */
    public List<DefinedReadModel> definedReadModels(List<String> names, int generation) throws Exception {
        List<DefinedReadModel> models = new ArrayList<>();
        DefinitionLoader loader = new DefinitionLoader();
        for (String name : names) {
            Path file = definitionsFolder().resolve(name + ".yaml");
            ReadModelProgram program = loader.compile(file.toString(), Files.readString(file));
            models.add(switch (program.definition().store()) {
                case ELASTICSEARCH -> new ElasticsearchDefinedReadModel(elasticsearch, NAMESPACE, program, generation);
                case REDIS -> new RedisDefinedReadModel(redis, NAMESPACE, program, generation);
                case NEO4J -> new Neo4jDefinedReadModel(neo4j, NAMESPACE, program, generation);
                case INFLUXDB -> new InfluxDefinedReadModel(influx, endpoints.influxOrg(), endpoints.influxBucket(),
                        NAMESPACE, program, dataSource, RELATIONAL_SCHEMA, generation);
                case POSTGRES -> new JdbcDefinedReadModel(dataSource, RELATIONAL_SCHEMA, program, generation);
            });
        }
        return models;
    }

    /** The names of every definition file of the repository's {@code read-models/}. */
    public static List<String> definitionNames() throws IOException {
        try (Stream<Path> files = Files.list(definitionsFolder())) {
            return files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".yaml"))
                    .map(f -> f.substring(0, f.length() - ".yaml".length())).sorted().toList();
        }
    }

    /** The repository's {@code read-models/}: under {@code projhub.root} if set, else the nearest above here. */
    public static Path definitionsFolder() {
        String root = System.getProperty("projhub.root");
        if (root != null) {
            return Path.of(root).toAbsolutePath().normalize().resolve("read-models");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("read-models")) && Files.exists(dir.resolve("pom.xml"))) {
                return dir.resolve("read-models");
            }
        }
        throw new IllegalStateException("no read-models/ folder above " + Path.of("").toAbsolutePath());
    }

    /**
     * Empties everything the bench owns: the bench database (event log, checkpoints, dead letters, alerts, the
     * relational read models) and every definition's read model in the namespace.
     */
    public void wipe() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("drop schema if exists " + RELATIONAL_SCHEMA + " cascade");
            s.execute("drop schema if exists public cascade");
            s.execute("create schema public");
        }
        // the first build and the one the bench's rebuild made (the build records went with the public schema)
        for (int generation = 0; generation <= 1; generation++) {
            for (DefinedReadModel model : definedReadModels(definitionNames(), generation)) {
                if (!(model instanceof JdbcDefinedReadModel)) {
                    retryingTransients(model::drop);
                }
            }
        }
    }

    /** A reset that meets another client's transaction in Neo4j (a deadlock, a transient error) is tried again. */
    public static void resetRetryingTransients(Projector projector) throws Exception {
        retryingTransients(projector::reset);
    }

    private interface StoreWork {
        void run() throws Exception;
    }

    private static void retryingTransients(StoreWork work) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                work.run();
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
