package io.projhub.core.projection;

import java.time.Instant;

/**
 * Whether a transaction in flight holds back the gap-safe frontier: committed events exist that the subscriber
 * may not read yet, because an older transaction might still commit before them. {@code pinnedSeconds} is
 * how long the oldest such transaction has been open (0 when nothing is held back); the other fields name it:
 * a session ({@code holderPid}) or a prepared transaction ({@code holderPreparedGid}: two-phase commit left
 * pending, with no session at all, that only {@code COMMIT PREPARED} or {@code ROLLBACK PREPARED} ends).
 */
public record FrontierStatus(double pinnedSeconds, boolean pinned, Integer holderPid, String holderDatabase,
                             String holderState, Instant holderTransactionStart, Instant holderQueryStart,
                             String holderPreparedGid) {

    public static final FrontierStatus FREE = new FrontierStatus(0, false, null, null, null, null, null, null);

    public FrontierStatus(double pinnedSeconds, boolean pinned, Integer holderPid, String holderDatabase,
                          String holderState, Instant holderTransactionStart, Instant holderQueryStart) {
        this(pinnedSeconds, pinned, holderPid, holderDatabase, holderState, holderTransactionStart, holderQueryStart,
                null);
    }

    /** A short human description of the holder, for logs and lane status. */
    public String describe() {
        if (holderPreparedGid != null) {
            return String.format("frontier held %.1fs by prepared transaction '%s' (database %s, prepared %s): "
                            + "end it with COMMIT PREPARED or ROLLBACK PREPARED", pinnedSeconds, holderPreparedGid,
                    holderDatabase, holderTransactionStart);
        }
        if (holderPid == null) {
            return "frontier free";
        }
        return String.format("frontier held %.1fs by backend pid %d (%s, database %s, transaction started %s)",
                pinnedSeconds, holderPid, holderState, holderDatabase, holderTransactionStart);
    }
}
