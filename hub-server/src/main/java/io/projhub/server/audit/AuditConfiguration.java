package io.projhub.server.audit;

import javax.sql.DataSource;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.MeterRegistry;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.projection.ProjectionSubscriber;
import io.projhub.monitor.ConsistencyMonitor;
import io.projhub.monitor.audit.DriftAudits;
import io.projhub.monitor.internal.PostgresDriftAudits;
import io.projhub.server.config.StartedWithApplication;
import io.projhub.server.definitions.ReadModelDefinitions;
import io.projhub.server.monitor.LaneRedriver;
import io.projhub.server.projection.ReadModels;

/**
 * The drift audits of every switched-on read model; they raise their DRIFT alerts through the consistency monitor,
 * so they run where it runs ({@code projhub.monitor.enabled}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "projhub.monitor.enabled", havingValue = "true", matchIfMissing = true)
public class AuditConfiguration {

    @Bean(destroyMethod = "close")
    @DependsOnDatabaseInitialization
    DriftAudits driftAudits(DataSource dataSource, @Qualifier("eventStore") EventStore store, ReadModels readModels,
                            ReadModelDefinitions definitions, ProjectionSubscriber subscriber,
                            ConsistencyMonitor monitor, AuditProperties properties, MeterRegistry registry) {
        PostgresDriftAudits audits = new PostgresDriftAudits(dataSource, store,
                LaneRedriver.monitored(readModels.all()), new LaneRedriver(subscriber),
                new DefinedContentAuditor(readModels, store, subscriber), monitor, properties.settings(), registry);
        readModels.onChange(all -> audits.replaceReadModels(LaneRedriver.monitored(all)));
        if (properties.verifyCutover() == null || properties.verifyCutover()) {
            definitions.verifyCutoverWith(new AuditedCutover(audits));
        }
        return audits;
    }

    /** Starts the periodic audits with the application; they stop when the context closes. */
    @Bean
    SmartLifecycle driftAuditsLifecycle(DriftAudits audits) {
        return new StartedWithApplication(audits::start);
    }
}
