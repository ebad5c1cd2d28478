package io.projhub.projectors.elasticsearch;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * An order as the Elasticsearch read model holds it (the {@code _source} of its document, id = the order's stream
 * id): the fold of its events up to {@code streamVersion}. Shipping and cancellation fields are null until then.
 */
public record OrderDocument(String orderId, String customerId, String customerName, List<String> itemNames,
                            String status, BigDecimal totalAmount, String currency, Instant createdAt,
                            Instant shippedAt, Instant cancelledAt, String carrier, String trackingNumber,
                            long streamVersion) {

    public OrderDocument {
        itemNames = itemNames == null ? List.of() : List.copyOf(itemNames);
    }

    OrderDocument shipped(String carrier, String trackingNumber, Instant shippedAt, long version) {
        return new OrderDocument(orderId, customerId, customerName, itemNames, "SHIPPED", totalAmount, currency,
                createdAt, shippedAt, cancelledAt, carrier, trackingNumber, version);
    }

    OrderDocument cancelled(Instant cancelledAt, long version) {
        return new OrderDocument(orderId, customerId, customerName, itemNames, "CANCELLED", totalAmount, currency,
                createdAt, shippedAt, cancelledAt, carrier, trackingNumber, version);
    }
}
