package io.projhub.monitor;

import java.time.Duration;

/** The checks every settings record of this module runs when it is built. */
final class Settings {

    private Settings() {
    }

    static void require(boolean condition, String what, String message) {
        if (!condition) {
            throw new IllegalArgumentException(what + ": " + message);
        }
    }

    static void positive(Duration value, String what, String field) {
        require(value != null && !value.isNegative() && !value.isZero(), what, field + " must be > 0");
    }

    static void notNegative(Duration value, String what, String field) {
        require(value != null && !value.isNegative(), what, field + " must be >= 0");
    }
}
