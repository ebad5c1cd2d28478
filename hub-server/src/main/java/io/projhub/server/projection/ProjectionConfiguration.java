package io.projhub.server.projection;

import io.projhub.core.projection.ProjectionSubscribers;
import io.projhub.core.projection.ProjectionSubscriber;
import org.springframework.beans.factory.ObjectProvider;
import io.projhub.definitions.DefinitionException;
import io.projhub.server.definitions.DefinedReadModelFactory;
import io.projhub.server.definitions.ReadModelBuilds;
import io.projhub.server.definitions.ReadModelDefinitions;
import io.projhub.server.definitions.ReadModelDefinitionsProperties;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.MeterRegistry;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.projection.LaneSettings;
import io.projhub.core.projection.Projector;
import org.neo4j.driver.Driver;

import com.influxdb.client.InfluxDBClient;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import redis.clients.jedis.JedisPooled;
import io.projhub.server.config.StoreProperties;

/** The read models that are switched on, and the subscriber whose lanes feed them. */
@Configuration(proxyBeanMethods = false)
public class ProjectionConfiguration {

    @Bean
    DefinedReadModelFactory definedReadModelFactory(ObjectProvider<ElasticsearchClient> elasticsearch,
                                                    ObjectProvider<JedisPooled> redis, ObjectProvider<Driver> neo4j,
                                                    ObjectProvider<InfluxDBClient> influx, DataSource dataSource,
                                                    StoreProperties stores, ProjectionProperties properties) {
        return new DefinedReadModelFactory(elasticsearch, redis, neo4j, influx, dataSource, stores,
                properties.namespace());
    }

    /** The read models of the definition folder, loaded before any lane or monitor is built. */
    @Bean
    @DependsOnDatabaseInitialization
    ReadModelDefinitions readModelDefinitions(DefinedReadModelFactory factory, DataSource dataSource,
                                              ReadModelDefinitionsProperties properties,
                                              ProjectionProperties projection) throws Exception {
        ReadModelDefinitions definitions = new ReadModelDefinitions(properties.dir(), properties.keepPrevious(), factory,
                new ReadModelBuilds(dataSource, projection.namespace()), new ReadModels());
        try {
            definitions.loadAtStart();
        } catch (DefinitionException e) {
            throw new IllegalStateException("The read-model definitions in " + properties.dir().toAbsolutePath()
                    + " have errors:\n" + e.getMessage(), e);
        }
        return definitions;
    }

    @Bean
    ReadModels readModels(ReadModelDefinitions definitions) {
        return definitions.readModels();
    }

    @Bean
    @DependsOnDatabaseInitialization
    ProjectionSubscriber projectionSubscriber(DataSource dataSource, EventStore store, ReadModels readModels,
                                                     ProjectionProperties properties, MeterRegistry registry) {
        Map<Projector, LaneSettings> lanes = new LinkedHashMap<>();
        lanes.putAll(lanes(readModels.all(), properties));
        ProjectionSubscriber subscriber = ProjectionSubscribers.polling(dataSource, store, lanes,
                properties.subscriberSettings(), registry);
        readModels.onChange(all -> subscriber.replaceLanes(lanes(all, properties)));
        return subscriber;
    }

    private static Map<Projector, LaneSettings> lanes(List<ReadModel> readModels, ProjectionProperties properties) {
        Map<Projector, LaneSettings> lanes = new LinkedHashMap<>();
        for (ReadModel model : readModels) {
            // a build beside the live one (lane <name>~v<N>, or <name>~v<N>r<G> for a rebuild) runs with its read
            // model's settings
            lanes.put(model.projector(), properties.laneSettings(model.name().replaceFirst("~v\\d+(r\\d+)?$", "")));
        }
        return lanes;
    }

    /** Switches each new version of a read model once it has caught up with the live one (checked every second). */
    @Bean
    org.springframework.context.SmartLifecycle versionSwitcher(ReadModelDefinitions definitions,
                                                               ProjectionSubscriber subscriber) {
        return new VersionSwitcher(definitions, subscriber);
    }

    @Bean
    SubscriberLifecycle subscriberLifecycle(ProjectionSubscriber subscriber, ProjectionProperties properties) {
        return new SubscriberLifecycle(subscriber, properties.enabled());
    }
}
