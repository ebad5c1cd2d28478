package io.projhub.core.domain.account;

import java.math.BigDecimal;

/** Deposits an amount in the account's currency; {@code source} says where the money comes from. */
public record DepositMoney(String accountId, BigDecimal amount, String source) {
}
