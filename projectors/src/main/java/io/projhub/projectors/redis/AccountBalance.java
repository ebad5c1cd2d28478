package io.projhub.projectors.redis;

import java.math.BigDecimal;
import java.time.Instant;

/** An account's balance after its last applied event ({@code version} in its stream, at {@code updatedAt}). */
public record AccountBalance(String accountId, BigDecimal balance, String currency, long version, Instant updatedAt) {
}
