package io.projhub.core.domain.order;

import java.time.Instant;

/** An order left: {@code processingTimeMs} is the time from its creation to its shipping. */
public record OrderShipped(String orderId, String trackingNumber, String carrier, Instant shippedAt,
                           long processingTimeMs) implements OrderEvent {
}
