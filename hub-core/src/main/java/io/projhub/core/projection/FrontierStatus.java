package io.projhub.core.projection;

import java.time.Instant;

/**
 * Whether a transaction in flight holds back the gap-safe frontier: committed events exist that the subscriber
 * may not read yet, because an older transaction might still commit before them. {@code pinnedSeconds} is
 * how long the oldest such transaction has been open (0 when nothing is held back); the other fields name it.
 */
public record FrontierStatus(double pinnedSeconds, boolean pinned, Integer holderPid, String holderDatabase,
                             String holderState, Instant holderTransactionStart, Instant holderQueryStart) {

    public static final FrontierStatus FREE = new FrontierStatus(0, false, null, null, null, null, null);

    /** A short human description of the holder, for logs and lane status. */
    public String describe() {
        if (holderPid == null) {
            return "frontier free";
        }
        return String.format("frontier held %.1fs by backend pid %d (%s, database %s, transaction started %s)",
                pinnedSeconds, holderPid, holderState, holderDatabase, holderTransactionStart);
    }
}
