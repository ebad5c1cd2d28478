package io.projhub.core.domain.account;

import java.math.BigDecimal;
import java.time.Instant;

public record MoneyWithdrawn(String accountId, BigDecimal amount, String currency, String reason,
                             BigDecimal balanceAfter, Instant withdrawnAt) implements AccountEvent {
}
