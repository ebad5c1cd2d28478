package io.projhub.core.domain.order;

import java.math.BigDecimal;

/** One line of an order: {@code price} is per unit, at the order currency's scale. */
public record OrderItem(String name, BigDecimal price, int quantity) {
}
