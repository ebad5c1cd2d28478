package io.projhub.server.projection;

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
import io.projhub.core.projection.internal.PollingProjectionSubscriber;
import io.projhub.projectors.jdbc.JdbcOrderProjector;
import io.projhub.projectors.jdbc.JdbcOrderQueries;
import io.projhub.projectors.jdbc.JdbcProbe;
import io.projhub.projectors.jdbc.RelationalSchema;
import io.projhub.server.config.StoreProperties;

/** The read models that are switched on, and the subscriber whose lanes feed them. */
@Configuration(proxyBeanMethods = false)
public class ProjectionConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "projhub.stores.jdbc.enabled", havingValue = "true", matchIfMissing = true)
    static class RelationalViewConfiguration {
        @Bean
        RelationalSchema relationalSchema(StoreProperties stores) {
            return new RelationalSchema(stores.jdbc() == null ? "read_model" : stores.jdbc().schema());
        }

        @Bean
        @DependsOnDatabaseInitialization
        ReadModel jdbcReadModel(DataSource dataSource, RelationalSchema schema, EventTypeRegistry registry)
                throws SQLException {
            return new ReadModel(JdbcOrderProjector.NAME, new JdbcOrderProjector(dataSource, schema, registry),
                    new JdbcProbe(dataSource, schema));
        }

        @Bean
        JdbcOrderQueries jdbcOrderQueries(DataSource dataSource, RelationalSchema schema) {
            return new JdbcOrderQueries(dataSource, schema);
        }
    }

    @Bean
    ReadModels readModels(List<ReadModel> readModels) {
        return new ReadModels(readModels);
    }

    @Bean
    @DependsOnDatabaseInitialization
    PollingProjectionSubscriber projectionSubscriber(DataSource dataSource, EventStore store, ReadModels readModels,
                                                     ProjectionProperties properties, MeterRegistry registry) {
        Map<Projector, LaneSettings> lanes = new LinkedHashMap<>();
        for (ReadModel model : readModels.all()) {
            lanes.put(model.projector(), properties.laneSettings(model.name()));
        }
        return new PollingProjectionSubscriber(dataSource, store, lanes, properties.subscriberSettings(), registry);
    }

    @Bean
    SubscriberLifecycle subscriberLifecycle(PollingProjectionSubscriber subscriber, ProjectionProperties properties) {
        return new SubscriberLifecycle(subscriber, properties.enabled());
    }
}
