package io.projhub.core.domain.account;

import java.math.BigDecimal;
import java.time.Instant;

/** An account opened with an initial balance in an ISO 4217 {@code currency}. */
public record AccountCreated(String accountId, BigDecimal initialBalance, String currency, Instant openedAt)
        implements AccountEvent {
}
