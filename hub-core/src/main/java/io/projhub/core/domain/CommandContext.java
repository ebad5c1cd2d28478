package io.projhub.core.domain;

import java.util.UUID;

import io.projhub.core.error.InvalidCommandException;
import io.projhub.core.eventstore.AppendedBy;
import io.projhub.core.eventstore.EventMetadata;

/**
 * Where a command comes from: the request's correlation id, the id of the message that caused it (the seed's
 * {@code causedBy}), the client's idempotency key and who sent it ({@link AppendedBy}, recorded in each event's
 * metadata). Each may be null; a missing correlation id is generated, so every event has one.
 */
public record CommandContext(String correlationId, String causationId, String idempotencyKey, AppendedBy appendedBy) {

    /** A context without an authenticated appender (tools and tests that write directly). */
    public CommandContext(String correlationId, String causationId, String idempotencyKey) {
        this(correlationId, causationId, idempotencyKey, null);
    }

    static final int MAX_LENGTH = 255;

    /** @throws InvalidCommandException if a given value is blank, longer than 255 characters or has control characters */
    public CommandContext {
        check("correlationId", correlationId);
        check("causationId", causationId);
        check("idempotencyKey", idempotencyKey);
    }

    /** No correlation, no cause, no idempotency. */
    public static CommandContext none() {
        return new CommandContext(null, null, null);
    }

    public static CommandContext withIdempotencyKey(String idempotencyKey) {
        return new CommandContext(null, null, idempotencyKey);
    }

    /** The metadata for the command's events. */
    public EventMetadata toMetadata() {
        String correlation = correlationId != null ? correlationId : UUID.randomUUID().toString();
        return EventMetadata.of(correlation, causationId, idempotencyKey).withPrincipal(appendedBy);
    }

    private static void check(String field, String value) {
        if (value == null) {
            return;
        }
        if (value.isBlank()) {
            throw new InvalidCommandException(field, "must not be blank");
        }
        if (value.length() > MAX_LENGTH) {
            throw new InvalidCommandException(field, "must be at most " + MAX_LENGTH + " characters");
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidCommandException(field, "must not contain control characters");
        }
    }
}
