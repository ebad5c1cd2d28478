package io.projhub.definitions;

/**
 * An expression of a definition failed on one event: the message names the definition's file, the expression and
 * what went wrong. A permanent failure of that event for that read model (it is dead-lettered; other read models
 * are not affected).
 */
public final class ChangeFailure extends Exception {

    public ChangeFailure(String message) {
        super(message);
    }

    public ChangeFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
