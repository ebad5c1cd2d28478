package io.projhub.server.config;

import java.time.Clock;

import javax.sql.DataSource;

import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.projhub.core.domain.CommandSettings;
import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.domain.account.AccountCommands;
import io.projhub.core.domain.customer.CustomerCommands;
import io.projhub.core.domain.order.OrderCommands;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.postgres.PostgresEventStore;

/** hub-core's event store and command handlers as beans; Spring Boot's Flyway migrates the database first. */
@Configuration(proxyBeanMethods = false)
public class CoreConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    EventTypeRegistry eventTypeRegistry() {
        return DomainEventTypes.registry();
    }

    @Bean
    @DependsOnDatabaseInitialization
    EventStore eventStore(DataSource dataSource, EventTypeRegistry registry) {
        return new PostgresEventStore(dataSource, registry);
    }

    @Bean
    CommandSettings commandSettings() {
        return CommandSettings.DEFAULTS;
    }

    @Bean
    CustomerCommands customerCommands(EventStore store, EventTypeRegistry registry, CommandSettings settings, Clock clock) {
        return new CustomerCommands(store, registry, settings, clock);
    }

    @Bean
    OrderCommands orderCommands(EventStore store, EventTypeRegistry registry, CommandSettings settings, Clock clock) {
        return new OrderCommands(store, registry, settings, clock);
    }

    @Bean
    AccountCommands accountCommands(EventStore store, EventTypeRegistry registry, CommandSettings settings, Clock clock) {
        return new AccountCommands(store, registry, settings, clock);
    }
}
