package io.projhub.core.domain.customer;

/** What can happen to a customer. */
public sealed interface CustomerEvent permits CustomerRegistered, CustomerDeactivated {

    String customerId();
}
