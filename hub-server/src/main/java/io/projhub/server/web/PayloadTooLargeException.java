package io.projhub.server.web;

import java.io.IOException;

/**
 * A request body is larger than the API reads ({@link ApiLimits}). An {@link IOException}, so it travels out of
 * whichever reader hit the limit (Jackson, a message converter) as the cause of that reader's failure.
 */
public class PayloadTooLargeException extends IOException {

    private final long limitBytes;

    public PayloadTooLargeException(long limitBytes) {
        super("The request body is larger than " + limitBytes + " bytes");
        this.limitBytes = limitBytes;
    }

    public long limitBytes() {
        return limitBytes;
    }
}
