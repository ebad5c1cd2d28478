package io.projhub.core.domain;

import java.util.Currency;

import io.projhub.core.domain.account.AccountCreated;
import io.projhub.core.domain.account.MoneyDeposited;
import io.projhub.core.domain.account.MoneyWithdrawn;
import io.projhub.core.domain.customer.CustomerDeactivated;
import io.projhub.core.domain.customer.CustomerRegistered;
import io.projhub.core.domain.order.OrderCancelled;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.domain.order.OrderCreatedV1Upcaster;
import io.projhub.core.domain.order.OrderShipped;
import io.projhub.core.eventstore.EventTypeRegistry;

/** The hub's own event types, by the names they are stored under, with their upcasters. */
public final class DomainEventTypes {

    /** The currency of orders stored before orders had one ({@code OrderCreated} v1). */
    public static final Currency LEGACY_ORDER_CURRENCY = Currency.getInstance("USD");

    private DomainEventTypes() {
    }

    /** A registry of the domain's event types. */
    public static EventTypeRegistry registry() {
        return registerAll(EventTypeRegistry.builder()).build();
    }

    /** Adds the domain's event types to a builder that may hold others. */
    public static EventTypeRegistry.Builder registerAll(EventTypeRegistry.Builder builder) {
        return builder
                .register("CustomerRegistered", 1, CustomerRegistered.class)
                .register("CustomerDeactivated", 1, CustomerDeactivated.class)
                .register(OrderCreated.TYPE, OrderCreated.SCHEMA_VERSION, OrderCreated.class)
                .register("OrderShipped", 1, OrderShipped.class)
                .register("OrderCancelled", 1, OrderCancelled.class)
                .register("AccountCreated", 1, AccountCreated.class)
                .register("MoneyDeposited", 1, MoneyDeposited.class)
                .register("MoneyWithdrawn", 1, MoneyWithdrawn.class)
                .upcaster(new OrderCreatedV1Upcaster(LEGACY_ORDER_CURRENCY));
    }
}
