package io.projhub.core.domain.order;

public record CancelOrder(String orderId, String reason) {
}
