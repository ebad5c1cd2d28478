package io.projhub.core.error;

import java.util.Objects;

/**
 * A command or query parameter that is missing or malformed. {@link #field()} names it as the client sent it,
 * e.g. {@code amount}, {@code items[2].price}, {@code streamId}.
 */
public class InvalidCommandException extends RuntimeException {

    private final String field;
    private final String reason;

    public InvalidCommandException(String field, String reason) {
        super(field + ": " + reason);
        this.field = Objects.requireNonNull(field, "field");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public String field() {
        return field;
    }

    /** What is wrong with the field, without naming it. */
    public String reason() {
        return reason;
    }
}
