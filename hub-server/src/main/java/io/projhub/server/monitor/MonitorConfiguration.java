package io.projhub.server.monitor;

import io.projhub.core.projection.ProjectionSubscriber;

import java.util.List;

import javax.sql.DataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

import io.micrometer.core.instrument.MeterRegistry;
import io.projhub.core.eventstore.EventStore;
import io.projhub.monitor.ConsistencyMonitor;
import io.projhub.monitor.MonitorListener;
import io.projhub.monitor.MonitoredReadModel;
import io.projhub.monitor.Redriver;
import io.projhub.monitor.internal.PostgresConsistencyMonitor;
import io.projhub.monitor.notify.Notifiers;
import io.projhub.server.config.StartedWithApplication;
import io.projhub.server.projection.ReadModels;

/** The consistency monitor over every switched-on read model, and the event store that feeds it each append. */
@Configuration(proxyBeanMethods = false)
public class MonitorConfiguration {

    /** Commands append through this one, so every write is verified; readers get the same data. */
    @Bean
    @Primary
    EventStore trackingEventStore(@Qualifier("eventStore") EventStore eventStore,
                                  ObjectProvider<ConsistencyMonitor> monitor) {
        return new TrackingEventStore(eventStore, monitor);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "projhub.monitor.enabled", havingValue = "true", matchIfMissing = true)
    static class MonitorBeans {

        @Bean(destroyMethod = "close")
        @DependsOnDatabaseInitialization
        PostgresConsistencyMonitor consistencyMonitor(DataSource dataSource, @Qualifier("eventStore") EventStore store,
                                                      ReadModels readModels, ProjectionSubscriber subscriber,
                                                      MonitorProperties properties, MeterRegistry registry) {
            List<MonitoredReadModel> monitored = LaneRedriver.monitored(readModels.all());
            Redriver lanes = new LaneRedriver(subscriber);
            PostgresConsistencyMonitor monitor = new PostgresConsistencyMonitor(dataSource, store, monitored,
                    subscriber::status, lanes, Notifiers.create(properties.notifierSettings()), properties.settings(),
                    registry, MonitorListener.NONE);
            readModels.onChange(all -> monitor.replaceReadModels(LaneRedriver.monitored(all)));
            return monitor;
        }

        /** Starts the monitor with the application; it stops when the context closes (not on a pause). */
        @Bean
        SmartLifecycle consistencyMonitorLifecycle(ConsistencyMonitor monitor) {
            return new StartedWithApplication(monitor::start);
        }
    }
}
