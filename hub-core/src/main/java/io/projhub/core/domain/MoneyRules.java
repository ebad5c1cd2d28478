package io.projhub.core.domain;

import java.math.BigDecimal;
import java.util.Currency;
import java.util.regex.Pattern;

import io.projhub.core.error.InvalidCommandException;

/**
 * Money is a {@link BigDecimal} at its currency's scale (2 for EUR, 0 for JPY, 3 for KWD). An amount with more
 * decimals than its currency allows is refused, never rounded.
 */
public final class MoneyRules {

    /** Amounts must stay below this, which keeps every total exact in a {@code numeric} or a double-free JSON reader. */
    public static final BigDecimal LIMIT = new BigDecimal("1000000000000000");

    private static final Pattern ISO_CODE = Pattern.compile("[A-Z]{3}");

    private MoneyRules() {
    }

    /**
     * The currency with this ISO 4217 code.
     *
     * @throws InvalidCommandException ({@code field}) if the code is missing, unknown, or not of a currency of money
     *                                 (such as XAU or XXX)
     */
    public static Currency currency(String field, String code) {
        if (code == null || code.isBlank()) {
            throw new InvalidCommandException(field, "is required");
        }
        if (!ISO_CODE.matcher(code).matches()) {
            throw new InvalidCommandException(field, "must be an ISO 4217 code of three capital letters");
        }
        Currency currency;
        try {
            currency = Currency.getInstance(code);
        } catch (IllegalArgumentException e) {
            throw new InvalidCommandException(field, "is not a known ISO 4217 currency");
        }
        if (currency.getDefaultFractionDigits() < 0) {
            throw new InvalidCommandException(field, "is not a currency of money");
        }
        return currency;
    }

    /**
     * The amount at the currency's scale; its sign is not checked here (a business rule decides).
     *
     * @throws InvalidCommandException ({@code field}) if it is missing, has more decimals than the currency allows,
     *                                 or is not below {@link #LIMIT} in size
     */
    public static BigDecimal amount(String field, BigDecimal amount, Currency currency) {
        if (amount == null) {
            throw new InvalidCommandException(field, "is required");
        }
        int digits = currency.getDefaultFractionDigits();
        if (amount.stripTrailingZeros().scale() > digits) {
            throw new InvalidCommandException(field, "has more decimal places than " + currency.getCurrencyCode()
                    + " allows (" + digits + ")");
        }
        if (amount.abs().compareTo(LIMIT) >= 0) {
            throw new InvalidCommandException(field, "must be less than " + LIMIT.toPlainString() + " in size");
        }
        return amount.setScale(digits);
    }
}
