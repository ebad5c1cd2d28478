package io.projhub.core.domain.order;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * An order was placed (schema version 2). {@code customerName} is copied from the customer when the order was
 * created, so read models need not look it up. Version 1 had neither {@code currency} nor {@code totalAmount};
 * {@link OrderCreatedV1Upcaster} adds them on read.
 */
public record OrderCreated(String orderId, String customerId, String customerName, String currency,
                           List<OrderItem> items, BigDecimal totalAmount, Instant createdAt) implements OrderEvent {

    public static final String TYPE = "OrderCreated";
    public static final int SCHEMA_VERSION = 2;
}
