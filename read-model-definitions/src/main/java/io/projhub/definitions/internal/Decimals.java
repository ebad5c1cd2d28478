package io.projhub.definitions.internal;

import java.math.BigDecimal;

/**
 * Exact decimals from CEL values. A JSON number with a fraction reaches CEL as a double; its shortest decimal form
 * ({@link BigDecimal#valueOf(double)}) is the number as written in the event for every amount of up to 15
 * significant digits. Strings are parsed as written.
 */
final class Decimals {

    private Decimals() {
    }

    /** Decimals beyond this many digits (or exponent) are refused: no amount needs them, and they cost memory. */
    static final int MAX_DIGITS = 100;

    static BigDecimal of(Object value) {
        return bounded(parse(value));
    }

    private static BigDecimal bounded(BigDecimal decimal) {
        if (decimal.precision() > MAX_DIGITS || Math.abs(decimal.scale()) > MAX_DIGITS) {
            throw new IllegalArgumentException("not a decimal the hub keeps: more than " + MAX_DIGITS
                    + " digits or an exponent beyond " + MAX_DIGITS);
        }
        return decimal;
    }

    private static BigDecimal parse(Object value) {
        if (value instanceof BigDecimal decimal) {
            return decimal;
        }
        if (value instanceof Long || value instanceof Integer) {
            return BigDecimal.valueOf(((Number) value).longValue());
        }
        if (value instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                throw new IllegalArgumentException("not a decimal: " + d);
            }
            return BigDecimal.valueOf(d);
        }
        if (value instanceof String s) {
            try {
                return new BigDecimal(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a decimal: '" + s + "'");
            }
        }
        if (value instanceof Number n) {
            return new BigDecimal(n.toString());
        }
        throw new IllegalArgumentException("not a decimal: " + (value == null ? "null" : value.getClass().getSimpleName()));
    }
}
