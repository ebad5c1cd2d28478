package io.projhub.core.domain.order;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import io.projhub.core.domain.CommandContext;
import io.projhub.core.domain.CommandSettings;
import io.projhub.core.domain.EventSourcedRepository;
import io.projhub.core.domain.StreamIds;
import io.projhub.core.domain.VersionedState;
import io.projhub.core.domain.customer.Customer;
import io.projhub.core.domain.customer.CustomerEvent;
import io.projhub.core.error.StreamNotFoundException;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.EventTypeRegistry;

/** Handles the order commands and answers the order's state, now or in the past. */
public final class OrderCommands {

    private final EventSourcedRepository<Order, OrderEvent> orders;
    private final EventSourcedRepository<Customer, CustomerEvent> customers;
    private final Clock clock;

    public OrderCommands(EventStore store, EventTypeRegistry registry, CommandSettings settings, Clock clock) {
        this.orders = new EventSourcedRepository<>(store, registry, Order.KIND, settings);
        this.customers = new EventSourcedRepository<>(store, registry, Customer.KIND, settings);
        this.clock = clock;
    }

    /**
     * Places an order; the result's stream id is the order id. The customer must exist and be active when the
     * order is decided (a deactivation committed a moment later does not undo it).
     */
    public AppendResult create(CreateOrder command, CommandContext context) {
        String id = StreamIds.givenOrGenerated("orderId", command.orderId(), Order.STREAM_TYPE);
        String customerId = StreamIds.require("customerId", command.customerId());
        return orders.create(id, context, command, () -> {
            Optional<Customer> customer = customers.load(customerId).map(VersionedState::state);
            return List.of(Order.create(id, customerId, customer, command.currency(), command.items(), now()));
        });
    }

    public AppendResult ship(ShipOrder command, CommandContext context) {
        String id = StreamIds.require("orderId", command.orderId());
        return orders.execute(id, context, command,
                order -> List.of(order.ship(command.trackingNumber(), command.carrier(), now())));
    }

    public AppendResult cancel(CancelOrder command, CommandContext context) {
        String id = StreamIds.require("orderId", command.orderId());
        return orders.execute(id, context, command, order -> List.of(order.cancel(command.reason(), now())));
    }

    /** The order now. @throws StreamNotFoundException if there is no such order */
    public VersionedState<Order> current(String orderId) {
        String id = StreamIds.require("orderId", orderId);
        return orders.load(id).orElseThrow(() -> new StreamNotFoundException(id, "No order " + id));
    }

    /** The order right after its event at {@code version}. @throws StreamNotFoundException if it has no such version */
    public VersionedState<Order> stateAt(String orderId, long version) {
        String id = StreamIds.require("orderId", orderId);
        return orders.loadAtVersion(id, version)
                .orElseThrow(() -> new StreamNotFoundException(id, "Order " + id + " has no version " + version));
    }

    /** The order as it was at {@code asOf}. @throws StreamNotFoundException if it did not exist then */
    public VersionedState<Order> stateAt(String orderId, Instant asOf) {
        String id = StreamIds.require("orderId", orderId);
        return orders.loadAt(id, asOf)
                .orElseThrow(() -> new StreamNotFoundException(id, "Order " + id + " did not exist at " + asOf));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
