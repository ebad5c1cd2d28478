package io.projhub.server.definitions;

import java.sql.SQLException;

import javax.sql.DataSource;

import org.springframework.beans.factory.ObjectProvider;

import com.influxdb.client.InfluxDBClient;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.definitions.StoreKind;
import io.projhub.definitions.DefinedReadModel;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel;
import io.projhub.projectors.influxdb.InfluxDefinedReadModel;
import io.projhub.projectors.jdbc.JdbcDefinedReadModel;
import io.projhub.projectors.neo4j.Neo4jDefinedReadModel;
import io.projhub.projectors.redis.RedisDefinedReadModel;
import io.projhub.server.config.StoreProperties;
import org.neo4j.driver.Driver;
import redis.clients.jedis.JedisPooled;

/**
 * Builds the read model of a compiled definition in its store, with the store's client from the application
 * context. A definition for a store that is switched off in this hub is refused with a message saying so.
 */
public final class DefinedReadModelFactory {

    private final ObjectProvider<ElasticsearchClient> elasticsearch;
    private final ObjectProvider<JedisPooled> redis;
    private final ObjectProvider<Driver> neo4j;
    private final ObjectProvider<InfluxDBClient> influx;
    private final DataSource dataSource;
    private final StoreProperties stores;
    private final String namespace;

    public DefinedReadModelFactory(ObjectProvider<ElasticsearchClient> elasticsearch, ObjectProvider<JedisPooled> redis,
                                   ObjectProvider<Driver> neo4j, ObjectProvider<InfluxDBClient> influx,
                                   DataSource dataSource, StoreProperties stores, String namespace) {
        this.elasticsearch = elasticsearch;
        this.redis = redis;
        this.neo4j = neo4j;
        this.influx = influx;
        this.dataSource = dataSource;
        this.stores = stores;
        this.namespace = namespace;
    }

    /** Whether this hub runs read models in {@code store} ({@code projhub.stores.<store>.enabled}). */
    public boolean storeEnabled(StoreKind store) {
        return switch (store) {
            case ELASTICSEARCH -> elasticsearch.getIfAvailable() != null;
            case REDIS -> redis.getIfAvailable() != null;
            case NEO4J -> neo4j.getIfAvailable() != null;
            case INFLUXDB -> influx.getIfAvailable() != null;
            case POSTGRES -> stores.jdbc() == null || stores.jdbc().enabled();
        };
    }

    /**
     * @throws IllegalArgumentException if the store is switched off, or the store refuses the definition's names
     */
    public DefinedReadModel create(ReadModelProgram program) {
        return create(program, 0);
    }

    /**
     * @param generation which build of the definition's version (0: the first; each admin rebuild builds the next
     *                   beside the live one, under physical names of its own)
     * @throws IllegalArgumentException if the store is switched off, or the store refuses the definition's names
     */
    public DefinedReadModel create(ReadModelProgram program, int generation) {
        StoreKind store = program.definition().store();
        try {
            return switch (store) {
                case ELASTICSEARCH -> new ElasticsearchDefinedReadModel(required(elasticsearch, store), namespace,
                        program, generation);
                case REDIS -> new RedisDefinedReadModel(required(redis, store), namespace, program, generation);
                case NEO4J -> new Neo4jDefinedReadModel(required(neo4j, store), namespace, program, generation);
                case INFLUXDB -> new InfluxDefinedReadModel(required(influx, store), stores.influxdb().org(),
                        stores.influxdb().bucket(), namespace, program, dataSource, readModelSchema(), generation);
                case POSTGRES -> {
                    if (stores.jdbc() != null && !stores.jdbc().enabled()) {
                        throw switchedOff(store);
                    }
                    yield new JdbcDefinedReadModel(dataSource, readModelSchema(), program, generation);
                }
            };
        } catch (SQLException e) {
            throw new IllegalArgumentException("the postgres read model " + program.definition().name()
                    + " could not be prepared: " + e.getMessage(), e);
        }
    }

    /** The schema of the read models in the event store's database (also the InfluxDB ones' version records). */
    private String readModelSchema() {
        return stores.jdbc() == null ? "read_model" : stores.jdbc().schema();
    }

    private static <T> T required(ObjectProvider<T> client, StoreKind store) {
        T available = client.getIfAvailable();
        if (available == null) {
            throw switchedOff(store);
        }
        return available;
    }

    private static IllegalArgumentException switchedOff(StoreKind store) {
        String property = store == StoreKind.POSTGRES ? "jdbc" : store.id();
        return new IllegalArgumentException("the store " + store.id() + " is switched off in this hub (projhub.stores."
                + property + ".enabled)");
    }
}
