package io.projhub.core.domain.order;

import java.math.BigDecimal;
import java.util.List;

/**
 * Places an order for a customer; {@code orderId} may be null for a generated {@code order-<uuid>}; prices are in
 * {@code currency} (ISO 4217).
 */
public record CreateOrder(String orderId, String customerId, String currency, List<Item> items) {

    /** One line as the client sends it; {@code quantity} is boxed so a missing one is told from a zero. */
    public record Item(String name, BigDecimal price, Integer quantity) {
    }
}
