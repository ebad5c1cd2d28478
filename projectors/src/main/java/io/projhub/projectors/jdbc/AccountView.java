package io.projhub.projectors.jdbc;

import java.math.BigDecimal;
import java.time.Instant;

/** An account's current balance as the relational view holds it. */
public record AccountView(String accountId, BigDecimal balance, String currency, Instant openedAt, Instant updatedAt,
                          long version) {
}
