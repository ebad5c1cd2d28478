package io.projhub.core.domain;

import io.projhub.core.error.InvalidCommandException;

/** Checks of a command's text fields, naming the field when one fails. */
public final class FieldChecks {

    private FieldChecks() {
    }

    /**
     * The value, stripped of surrounding white space.
     *
     * @throws InvalidCommandException if it is missing, blank, longer than {@code maxLength} or has control characters
     */
    public static String requiredText(String field, String value, int maxLength) {
        if (value == null) {
            throw new InvalidCommandException(field, "is required");
        }
        String stripped = value.strip();
        if (stripped.isEmpty()) {
            throw new InvalidCommandException(field, "must not be blank");
        }
        return checked(field, stripped, maxLength);
    }

    /** Like {@link #requiredText}, but null or blank is null. */
    public static String optionalText(String field, String value, int maxLength) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return checked(field, value.strip(), maxLength);
    }

    private static String checked(String field, String value, int maxLength) {
        if (value.length() > maxLength) {
            throw new InvalidCommandException(field, "must be at most " + maxLength + " characters");
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidCommandException(field, "must not contain control characters");
        }
        return value;
    }
}
