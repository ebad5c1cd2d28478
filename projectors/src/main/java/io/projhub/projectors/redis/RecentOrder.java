package io.projhub.projectors.redis;

import java.math.BigDecimal;
import java.time.Instant;

/** One of the most recently created orders, as Redis holds it; {@code at} is its creation time. */
public record RecentOrder(String orderId, String status, String customerId, String customerName, BigDecimal total,
                          String currency, Instant at) {
}
