package io.projhub.core.domain.customer;

/** Deactivates a customer; {@code reason} may be null. */
public record DeactivateCustomer(String customerId, String reason) {
}
