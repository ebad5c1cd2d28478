package io.projhub.core.eventstore;

import io.projhub.core.error.InvalidCommandException;

/**
 * A client's key for one logical request (the {@code Idempotency-Key} header) and, optionally, a fingerprint of the
 * request it came with. Sending the key again returns the first append's result; sending it with a different
 * fingerprint is refused.
 */
public record IdempotencyKey(String value, String requestFingerprint) {

    public static final int MAX_LENGTH = 255;

    /** @throws InvalidCommandException ({@code idempotencyKey}) if the key is blank, too long or has control characters */
    public IdempotencyKey {
        if (value == null || value.isBlank()) {
            throw new InvalidCommandException("idempotencyKey", "must not be blank");
        }
        if (value.length() > MAX_LENGTH) {
            throw new InvalidCommandException("idempotencyKey", "must be at most " + MAX_LENGTH + " characters");
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidCommandException("idempotencyKey", "must not contain control characters");
        }
    }

    public static IdempotencyKey of(String value) {
        return new IdempotencyKey(value, null);
    }
}
