package io.projhub.core.projection;

/**
 * A replay or skip that does not fit the dead letter's state: it is parked behind another one (replay or skip the
 * head of its chain), or it is no longer open.
 */
public class DeadLetterConflictException extends IllegalStateException {

    public DeadLetterConflictException(String message) {
        super(message);
    }
}
