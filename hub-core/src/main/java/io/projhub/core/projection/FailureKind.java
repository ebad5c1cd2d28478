package io.projhub.core.projection;

import java.io.IOException;
import java.sql.SQLTransientException;
import java.util.concurrent.TimeoutException;

/** Why {@link Projector#apply} failed: the store is unavailable (transient) or the event cannot be applied. */
public enum FailureKind {
    /** The store is down, slow or unreachable: retry with backoff as long as it takes, dead-letter nothing. */
    TRANSIENT,
    /** This event cannot be applied (bad data, a bug): after the configured attempts, dead-letter it. */
    PERMANENT;

    /** TRANSIENT if any cause is an I/O, timeout or connection failure (judged by type and by class name). */
    public static FailureKind ofCauseChain(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException || t instanceof TimeoutException || t instanceof SQLTransientException) {
                return TRANSIENT;
            }
            String name = t.getClass().getSimpleName();
            if (name.contains("Connect") || name.contains("Unavailable") || name.contains("Timeout")
                    || name.contains("Transient")) {
                return TRANSIENT;
            }
        }
        return PERMANENT;
    }
}
