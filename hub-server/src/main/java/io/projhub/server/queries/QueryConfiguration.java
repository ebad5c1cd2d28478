package io.projhub.server.queries;

import io.projhub.core.projection.ProjectionSubscriber;
import java.util.List;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel;
import io.projhub.projectors.jdbc.JdbcDefinedReadModel;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogHead;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.server.projection.ReadModel;
import io.projhub.server.projection.ReadModels;

@Configuration(proxyBeanMethods = false)
public class QueryConfiguration {

    /**
     * Two connections of their own for the waits' probe rounds on the relational view, so waiting queries never
     * take a connection the command path needs.
     */
    public record WaitConnections(HikariDataSource dataSource) implements AutoCloseable {
        @Override
        public void close() {
            if (dataSource != null) {
                dataSource.close();
            }
        }
    }

    @Bean(destroyMethod = "close")
    WaitConnections waitConnections(DataSource dataSource) {
        if (!(dataSource instanceof HikariDataSource hikari)) {
            return new WaitConnections(null);
        }
        HikariConfig config = new HikariConfig();
        hikari.copyStateTo(config);
        config.setPoolName("consistency-waits");
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(0);
        return new WaitConnections(new HikariDataSource(config));
    }

    @Bean(destroyMethod = "close")
    ReadModelWaits readModelWaits(ReadModels readModels, WaitConnections connections,
                                  @Value("${projhub.queries.max-waiting:1000}") int maxWaiting) {
        ReadModelWaits waits = new ReadModelWaits(probes(readModels.all(), connections),
                visibilities(readModels.all()), maxWaiting);
        readModels.onChange(all -> waits.replace(probes(all, connections), visibilities(all)));
        return waits;
    }

    /** PostgreSQL read models are probed through the waits' own connections. */
    private static Map<String, ReadModelProbe> probes(List<ReadModel> readModels, WaitConnections connections) {
        Map<String, ReadModelProbe> probes = new LinkedHashMap<>();
        for (ReadModel model : readModels) {
            probes.put(model.name(), model.defined() instanceof JdbcDefinedReadModel jdbc
                    && connections.dataSource() != null ? jdbc.probe(connections.dataSource()) : model.probe());
        }
        return probes;
    }

    /** Elasticsearch read models make applied writes searchable with a refresh (one per round of waits). */
    private static Map<String, ReadModelWaits.Visibility> visibilities(List<ReadModel> readModels) {
        Map<String, ReadModelWaits.Visibility> visibilities = new HashMap<>();
        for (ReadModel model : readModels) {
            if (model.defined() instanceof ElasticsearchDefinedReadModel defined) {
                visibilities.put(model.name(), defined::refresh);
            }
        }
        return visibilities;
    }

    @Bean
    ConsistencyGate consistencyGate(@Value("${projhub.queries.consistency-wait:2s}") Duration maxWait,
                                    ReadModelWaits waits, ProjectionSubscriber subscriber,
                                    @Qualifier("eventStore") EventStore store) {
        return new ConsistencyGate(maxWait, waits, () -> subscriber.status().head(),
                () -> store.head().map(LogHead::position));
    }

    @Bean
    OrderReadModels orderReadModels(ReadModels readModels) {
        return new OrderReadModels(readModels);
    }

    @Bean
    ReadModelResponses readModelResponses(ReadModels readModels, ConsistencyGate gate,
                                          ProjectionSubscriber subscriber) {
        return new ReadModelResponses(readModels, gate, subscriber);
    }
}
