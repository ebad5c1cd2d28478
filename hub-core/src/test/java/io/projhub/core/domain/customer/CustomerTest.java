package io.projhub.core.domain.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.projhub.core.error.BusinessRuleViolation;
import io.projhub.core.error.InvalidCommandException;

class CustomerTest {

    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    @Test
    void aRegisteredCustomerIsActiveUntilDeactivated() {
        Customer customer = Customer.evolve(null, Customer.register("customer-1", " Ada ", "ada@example.org", NOW));
        assertThat(customer.active()).isTrue();
        assertThat(customer.name()).isEqualTo("Ada");

        Customer deactivated = Customer.evolve(customer, customer.deactivate(null, NOW));
        assertThat(deactivated.active()).isFalse();
        assertThatThrownBy(() -> deactivated.deactivate("again", NOW))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("customer-already-inactive"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ada", "ada@", "@example.org", "ada@example", "a da@example.org"})
    void anEmailMustLookLikeOne(String email) {
        assertThatThrownBy(() -> Customer.register("customer-1", "Ada", email, NOW))
                .isInstanceOfSatisfying(InvalidCommandException.class, e -> assertThat(e.field()).isEqualTo("email"));
    }

    @Test
    void aNameIsRequired() {
        assertThatThrownBy(() -> Customer.register("customer-1", " ", "ada@example.org", NOW))
                .isInstanceOfSatisfying(InvalidCommandException.class, e -> assertThat(e.field()).isEqualTo("name"));
    }
}
