package io.projhub.core.domain.order;

public enum OrderStatus {
    CREATED, SHIPPED, CANCELLED
}
