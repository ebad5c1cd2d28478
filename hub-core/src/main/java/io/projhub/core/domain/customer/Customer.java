package io.projhub.core.domain.customer;

import java.time.Instant;
import java.util.regex.Pattern;

import io.projhub.core.domain.AggregateKind;
import io.projhub.core.domain.FieldChecks;
import io.projhub.core.error.BusinessRuleViolation;
import io.projhub.core.error.InvalidCommandException;

/** A customer, as its events made it. */
public record Customer(String id, String name, String email, boolean active, Instant registeredAt,
                       Instant deactivatedAt) {

    public static final String STREAM_TYPE = "customer";

    public static final AggregateKind<Customer, CustomerEvent> KIND = new AggregateKind<>(
            STREAM_TYPE, "customer/1", Customer.class, CustomerEvent.class, Customer::evolve);

    // Deliberately loose: a real address check is a mail sent, not a pattern.
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

    /** Decides the registration of a new customer. */
    public static CustomerRegistered register(String id, String name, String email, Instant now) {
        String checkedName = FieldChecks.requiredText("name", name, 200);
        String checkedEmail = FieldChecks.requiredText("email", email, 254);
        if (!EMAIL.matcher(checkedEmail).matches()) {
            throw new InvalidCommandException("email", "must be an e-mail address");
        }
        return new CustomerRegistered(id, checkedName, checkedEmail, now);
    }

    /** Decides the deactivation of this customer. */
    public CustomerDeactivated deactivate(String reason, Instant now) {
        String checkedReason = FieldChecks.optionalText("reason", reason, 500);
        if (!active) {
            throw new BusinessRuleViolation("customer-already-inactive", "Customer " + id + " is already inactive");
        }
        return new CustomerDeactivated(id, checkedReason, now);
    }

    /** The state after {@code event}; {@code state} is null before the first event. */
    public static Customer evolve(Customer state, CustomerEvent event) {
        if (event instanceof CustomerRegistered e) {
            return new Customer(e.customerId(), e.name(), e.email(), true, e.registeredAt(), null);
        }
        requireExisting(state, event);
        if (event instanceof CustomerDeactivated e) {
            return new Customer(state.id, state.name, state.email, false, state.registeredAt, e.deactivatedAt());
        }
        throw new IllegalStateException("Unhandled customer event " + event);
    }

    private static void requireExisting(Customer state, CustomerEvent event) {
        if (state == null) {
            throw new IllegalStateException(event.getClass().getSimpleName() + " before CustomerRegistered in "
                    + event.customerId());
        }
    }
}
