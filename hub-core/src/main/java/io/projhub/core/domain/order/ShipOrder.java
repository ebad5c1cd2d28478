package io.projhub.core.domain.order;

public record ShipOrder(String orderId, String trackingNumber, String carrier) {
}
