package io.projhub.core.domain;

import java.util.UUID;
import java.util.regex.Pattern;

import io.projhub.core.error.InvalidCommandException;
import io.projhub.core.eventstore.EventStore;

/** Aggregate ids, which are their stream ids: {@code order-<uuid>} unless the client brings its own. */
public final class StreamIds {

    private static final Pattern VALID = Pattern.compile(EventStore.STREAM_ID_PATTERN);

    private StreamIds() {
    }

    /** A new id for a stream of this type. */
    public static String generate(String streamType) {
        return streamType + "-" + UUID.randomUUID();
    }

    /** {@code id} if given, else a new one. */
    public static String givenOrGenerated(String field, String id, String streamType) {
        return id == null ? generate(streamType) : require(field, id);
    }

    /**
     * @throws InvalidCommandException ({@code field}) if the id is missing or does not match
     *                                 {@link EventStore#STREAM_ID_PATTERN}
     */
    public static String require(String field, String id) {
        if (id == null || id.isEmpty()) {
            throw new InvalidCommandException(field, "is required");
        }
        if (!VALID.matcher(id).matches()) {
            throw new InvalidCommandException(field, "must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'");
        }
        return id;
    }
}
