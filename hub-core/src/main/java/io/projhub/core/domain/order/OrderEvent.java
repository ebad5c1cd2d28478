package io.projhub.core.domain.order;

/** What can happen to an order. */
public sealed interface OrderEvent permits OrderCreated, OrderShipped, OrderCancelled {

    String orderId();
}
