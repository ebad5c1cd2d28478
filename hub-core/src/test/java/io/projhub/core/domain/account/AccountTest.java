package io.projhub.core.domain.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.projhub.core.error.BusinessRuleViolation;
import io.projhub.core.error.InvalidCommandException;

class AccountTest {

    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    private static Account opened(String currency, String balance) {
        return Account.evolve(null, Account.open("account-1", currency, new BigDecimal(balance), NOW));
    }

    @Test
    void anAccountOpensWithItsBalanceAtTheCurrencysScale() {
        AccountCreated created = Account.open("account-1", "EUR", new BigDecimal("10.5"), NOW);
        assertThat(created.initialBalance().toPlainString()).isEqualTo("10.50");
        assertThat(created.currency()).isEqualTo("EUR");
        assertThat(Account.open("account-2", "JPY", new BigDecimal("1000.00"), NOW).initialBalance().toPlainString())
                .isEqualTo("1000");
        assertThat(Account.open("account-3", "KWD", BigDecimal.ZERO, NOW).initialBalance().toPlainString())
                .isEqualTo("0.000");
    }

    @Test
    void aNegativeInitialBalanceBreaksARule() {
        assertThatThrownBy(() -> Account.open("account-1", "EUR", new BigDecimal("-0.01"), NOW))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("initial-balance-negative"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "eur", "EURO", "E1R", "ZZZ", "XXX", "XAU"})
    void aCurrencyMustBeAnIsoCurrencyOfMoney(String code) {
        assertThatThrownBy(() -> Account.open("account-1", code, BigDecimal.ONE, NOW))
                .isInstanceOfSatisfying(InvalidCommandException.class, e -> assertThat(e.field()).isEqualTo("currency"));
    }

    @ParameterizedTest
    @CsvSource({"EUR, 1.005", "JPY, 1.5", "KWD, 0.0001", "EUR, 1000000000000000"})
    void anAmountWithMoreDecimalsThanItsCurrencyOrTooLargeIsRefusedNotRounded(String currency, String amount) {
        assertThatThrownBy(() -> Account.open("account-1", currency, new BigDecimal(amount), NOW))
                .isInstanceOfSatisfying(InvalidCommandException.class,
                        e -> assertThat(e.field()).isEqualTo("initialBalance"));
    }

    @Test
    void depositsAndWithdrawalsMoveTheBalance() {
        Account account = opened("EUR", "100.00");
        MoneyDeposited deposited = account.deposit(new BigDecimal("25.5"), "salary", NOW);
        account = Account.evolve(account, deposited);
        MoneyWithdrawn withdrawn = account.withdraw(new BigDecimal("125.50"), "rent", NOW);
        account = Account.evolve(account, withdrawn);

        assertThat(deposited.amount().toPlainString()).isEqualTo("25.50");
        assertThat(deposited.balanceAfter().toPlainString()).isEqualTo("125.50");
        assertThat(withdrawn.balanceAfter().toPlainString()).isEqualTo("0.00");
        assertThat(account.balance().toPlainString()).isEqualTo("0.00");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "0.00"})
    void onlyPositiveAmountsMove(String amount) {
        Account account = opened("EUR", "100.00");
        assertThatThrownBy(() -> account.deposit(new BigDecimal(amount), "salary", NOW))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("amount-not-positive"));
        assertThatThrownBy(() -> account.withdraw(new BigDecimal(amount), "rent", NOW))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("amount-not-positive"));
    }

    @Test
    void noWithdrawalGoesBeyondTheBalance() {
        Account account = opened("EUR", "100.00");
        assertThatThrownBy(() -> account.withdraw(new BigDecimal("100.01"), "rent", NOW))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("insufficient-funds"));
    }

    @Test
    void aMissingAmountSourceOrReasonNamesTheField() {
        Account account = opened("EUR", "100.00");
        assertThatThrownBy(() -> account.deposit(null, "salary", NOW))
                .isInstanceOfSatisfying(InvalidCommandException.class, e -> assertThat(e.field()).isEqualTo("amount"));
        assertThatThrownBy(() -> account.deposit(BigDecimal.ONE, "  ", NOW))
                .isInstanceOfSatisfying(InvalidCommandException.class, e -> assertThat(e.field()).isEqualTo("source"));
        assertThatThrownBy(() -> account.withdraw(BigDecimal.ONE, null, NOW))
                .isInstanceOfSatisfying(InvalidCommandException.class, e -> assertThat(e.field()).isEqualTo("reason"));
    }
}
