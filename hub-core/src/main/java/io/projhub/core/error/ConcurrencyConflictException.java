package io.projhub.core.error;

import io.projhub.core.eventstore.ExpectedVersion;

/**
 * An append expected a stream version the stream no longer (or not yet) has; nothing was written. The caller may
 * reload and decide again.
 */
public class ConcurrencyConflictException extends RuntimeException {

    private final String streamId;
    private final ExpectedVersion expected;
    private final long actualVersion;

    public ConcurrencyConflictException(String streamId, ExpectedVersion expected, long actualVersion) {
        super("Stream " + streamId + " is at version " + actualVersion + ", expected " + expected);
        this.streamId = streamId;
        this.expected = expected;
        this.actualVersion = actualVersion;
    }

    public String streamId() {
        return streamId;
    }

    public ExpectedVersion expected() {
        return expected;
    }

    /** The stream's version when the conflict was seen; 0 if the stream has no events. */
    public long actualVersion() {
        return actualVersion;
    }
}
