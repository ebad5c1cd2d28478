package io.projhub.core.domain.account;

import java.math.BigDecimal;

/** Withdraws an amount in the account's currency, never beyond the balance. */
public record WithdrawMoney(String accountId, BigDecimal amount, String reason) {
}
