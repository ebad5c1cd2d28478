package io.projhub.core.domain.account;

import java.math.BigDecimal;
import java.time.Instant;

public record MoneyDeposited(String accountId, BigDecimal amount, String currency, String source,
                             BigDecimal balanceAfter, Instant depositedAt) implements AccountEvent {
}
