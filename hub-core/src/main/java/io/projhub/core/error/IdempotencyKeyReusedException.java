package io.projhub.core.error;

/**
 * An idempotency key was sent again with a different request than the one it first answered. The first answer
 * stands; nothing was written.
 */
public class IdempotencyKeyReusedException extends RuntimeException {

    private final String idempotencyKey;

    public IdempotencyKeyReusedException(String idempotencyKey) {
        super("Idempotency key " + idempotencyKey + " was already used for a different request");
        this.idempotencyKey = idempotencyKey;
    }

    public String idempotencyKey() {
        return idempotencyKey;
    }
}
