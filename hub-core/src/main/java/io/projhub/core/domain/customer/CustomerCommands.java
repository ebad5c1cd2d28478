package io.projhub.core.domain.customer;

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
import io.projhub.core.error.StreamNotFoundException;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.EventTypeRegistry;

/** Handles the customer commands. */
public final class CustomerCommands {

    private final EventSourcedRepository<Customer, CustomerEvent> customers;
    private final Clock clock;

    public CustomerCommands(EventStore store, EventTypeRegistry registry, CommandSettings settings, Clock clock) {
        this.customers = new EventSourcedRepository<>(store, registry, Customer.KIND, settings);
        this.clock = clock;
    }

    /** Registers a customer; the result's stream id is the customer id. */
    public AppendResult register(RegisterCustomer command, CommandContext context) {
        String id = StreamIds.givenOrGenerated("customerId", command.customerId(), Customer.STREAM_TYPE);
        return customers.create(id, context, command,
                () -> List.of(Customer.register(id, command.name(), command.email(), now())));
    }

    /** Deactivates a customer: no more orders for them. */
    public AppendResult deactivate(DeactivateCustomer command, CommandContext context) {
        String id = StreamIds.require("customerId", command.customerId());
        return customers.execute(id, context, command, customer -> List.of(customer.deactivate(command.reason(), now())));
    }

    /** The customer now. @throws StreamNotFoundException if there is no such customer */
    public VersionedState<Customer> current(String customerId) {
        String id = StreamIds.require("customerId", customerId);
        return customers.load(id).orElseThrow(() -> new StreamNotFoundException(id, "No customer " + id));
    }

    /** The customer's current state, if the customer exists. */
    public Optional<VersionedState<Customer>> find(String customerId) {
        return customers.load(StreamIds.require("customerId", customerId));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
