package io.projhub.core.domain.order;

import java.time.Instant;

public record OrderCancelled(String orderId, String reason, Instant cancelledAt) implements OrderEvent {
}
