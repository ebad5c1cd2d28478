package io.projhub.monitor;

/** The alert store (PostgreSQL) could not be read or written; the hub answers 503. */
public class AlertStoreException extends RuntimeException {

    public AlertStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
