package io.projhub.core.domain.customer;

/** Registers a customer; {@code customerId} may be null for a generated {@code customer-<uuid>}. */
public record RegisterCustomer(String customerId, String name, String email) {
}
