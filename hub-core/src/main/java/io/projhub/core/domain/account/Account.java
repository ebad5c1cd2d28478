package io.projhub.core.domain.account;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Currency;

import io.projhub.core.domain.AggregateKind;
import io.projhub.core.domain.FieldChecks;
import io.projhub.core.domain.MoneyRules;
import io.projhub.core.error.BusinessRuleViolation;

/** An account, as its events made it: its balance is the initial balance plus deposits minus withdrawals. */
public record Account(String id, Currency currency, BigDecimal balance, Instant openedAt, Instant lastChangedAt) {

    public static final String STREAM_TYPE = "account";

    public static final AggregateKind<Account, AccountEvent> KIND = new AggregateKind<>(
            STREAM_TYPE, "account/1", Account.class, AccountEvent.class, Account::evolve);

    /** Decides the opening of a new account. */
    public static AccountCreated open(String id, String currencyCode, BigDecimal initialBalance, Instant now) {
        Currency currency = MoneyRules.currency("currency", currencyCode);
        BigDecimal balance = MoneyRules.amount("initialBalance", initialBalance, currency);
        if (balance.signum() < 0) {
            throw new BusinessRuleViolation("initial-balance-negative",
                    "The initial balance must not be negative: " + balance.toPlainString());
        }
        return new AccountCreated(id, balance, currency.getCurrencyCode(), now);
    }

    /** Decides a deposit. */
    public MoneyDeposited deposit(BigDecimal amount, String source, Instant now) {
        BigDecimal checked = positive(amount);
        String checkedSource = FieldChecks.requiredText("source", source, 200);
        BigDecimal after = balance.add(checked);
        if (after.compareTo(MoneyRules.LIMIT) >= 0) {
            throw new BusinessRuleViolation("balance-limit-exceeded",
                    "The balance would exceed " + MoneyRules.LIMIT.toPlainString());
        }
        return new MoneyDeposited(id, checked, currency.getCurrencyCode(), checkedSource, after, now);
    }

    /** Decides a withdrawal, never beyond the balance. */
    public MoneyWithdrawn withdraw(BigDecimal amount, String reason, Instant now) {
        BigDecimal checked = positive(amount);
        String checkedReason = FieldChecks.requiredText("reason", reason, 500);
        if (checked.compareTo(balance) > 0) {
            throw new BusinessRuleViolation("insufficient-funds", "Cannot withdraw " + checked.toPlainString() + " "
                    + currency.getCurrencyCode() + " from a balance of " + balance.toPlainString());
        }
        return new MoneyWithdrawn(id, checked, currency.getCurrencyCode(), checkedReason, balance.subtract(checked), now);
    }

    private BigDecimal positive(BigDecimal amount) {
        BigDecimal checked = MoneyRules.amount("amount", amount, currency);
        if (checked.signum() <= 0) {
            throw new BusinessRuleViolation("amount-not-positive",
                    "The amount must be positive: " + checked.toPlainString());
        }
        return checked;
    }

    /** The state after {@code event}; {@code state} is null before the first event. */
    public static Account evolve(Account state, AccountEvent event) {
        if (event instanceof AccountCreated e) {
            Currency currency = Currency.getInstance(e.currency());
            return new Account(e.accountId(), currency, scaled(e.initialBalance(), currency), e.openedAt(),
                    e.openedAt());
        }
        if (state == null) {
            throw new IllegalStateException(event.getClass().getSimpleName() + " before AccountCreated in "
                    + event.accountId());
        }
        if (event instanceof MoneyDeposited e) {
            return state.withBalance(state.balance.add(e.amount()), e.depositedAt());
        }
        if (event instanceof MoneyWithdrawn e) {
            return state.withBalance(state.balance.subtract(e.amount()), e.withdrawnAt());
        }
        throw new IllegalStateException("Unhandled account event " + event);
    }

    private Account withBalance(BigDecimal newBalance, Instant at) {
        return new Account(id, currency, scaled(newBalance, currency), openedAt, at);
    }

    // JSON readers may drop trailing zeros; the currency says the scale.
    private static BigDecimal scaled(BigDecimal amount, Currency currency) {
        return amount.setScale(currency.getDefaultFractionDigits());
    }
}
