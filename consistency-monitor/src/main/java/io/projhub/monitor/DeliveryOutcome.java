package io.projhub.monitor;

import java.time.Duration;

/** What a notifier made of one delivery; the outbox dispatcher marks the row from it. */
public sealed interface DeliveryOutcome {

    /** The receiver accepted it: the row is SENT. */
    record Delivered(int httpStatus) implements DeliveryOutcome {
    }

    /**
     * A passing failure (connection refused, timeout, 429, 5xx): the row is tried again with backoff, not before
     * {@code retryAfter} if the receiver said so (may be null).
     */
    record RetryLater(String reason, Duration retryAfter) implements DeliveryOutcome {
    }

    /** The receiver refused the notification itself (e.g. 400): sending it again cannot help, the row is FAILED. */
    record Rejected(String reason) implements DeliveryOutcome {
    }

    static DeliveryOutcome delivered(int httpStatus) {
        return new Delivered(httpStatus);
    }

    static DeliveryOutcome retryLater(String reason) {
        return new RetryLater(reason, null);
    }

    static DeliveryOutcome rejected(String reason) {
        return new Rejected(reason);
    }
}
