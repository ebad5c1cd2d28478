package io.projhub.core.domain.account;

/** What can happen to an account. Amounts are at the scale of the account's currency. */
public sealed interface AccountEvent permits AccountCreated, MoneyDeposited, MoneyWithdrawn {

    String accountId();
}
