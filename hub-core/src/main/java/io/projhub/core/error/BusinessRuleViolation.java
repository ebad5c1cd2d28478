package io.projhub.core.error;

import java.util.Objects;

/**
 * A well-formed command that the aggregate refuses, e.g. {@code insufficient-funds} or {@code customer-inactive}.
 * {@link #rule()} is a stable, kebab-case name for clients; the message is for humans.
 */
public class BusinessRuleViolation extends RuntimeException {

    private final String rule;

    public BusinessRuleViolation(String rule, String message) {
        super(message);
        this.rule = Objects.requireNonNull(rule, "rule");
    }

    public String rule() {
        return rule;
    }
}
