package io.projhub.server.queries;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/** An order as the relational view assembles it: the order, its items, its customer and its shipment. */
public record OrderDetails(String orderId, String status, BigDecimal totalAmount, String currency, Instant createdAt,
                           Instant shippedAt, Instant cancelledAt, String cancelReason, long version,
                           Customer customer, List<Item> items, Shipment shipment) {

    /** The customer as registered; {@code active} false once deactivated. Null fields if the view lacks them. */
    public record Customer(String id, String name, String email, Boolean active) {
    }

    public record Item(int line, String name, BigDecimal price, int quantity) {
    }

    public record Shipment(String trackingNumber, String carrier, Instant shippedAt, long processingTimeMs) {
    }
}
