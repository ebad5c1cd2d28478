package io.projhub.core.eventstore;

/**
 * The database behind the event store failed or could not be reached. An append that fails this way wrote nothing,
 * unless the failure struck while its commit was in flight; a retry with the same idempotency key is then safe.
 */
public class EventStoreException extends RuntimeException {

    public EventStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
