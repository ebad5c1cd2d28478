package io.projhub.monitor.audit;

import java.util.Locale;

/** What a drift audit found wrong with one stream of a read model. */
public enum DifferenceKind {
    /** The log has events of the stream the read model handles; its store holds no version record of it. */
    MISSING,
    /** The store's version record of the stream is below the log's last version at the read model's checkpoint. */
    STALE,
    /** The store holds a version record the log does not back: a stream the log lacks, or a version beyond its own. */
    EXTRA,
    /** The stream is held back behind a dead letter on the read model's lane: behind on purpose, never repaired. */
    PARKED,
    /** The store's document (or a total many streams feed) differs from the definition's fold of the log. */
    CONTENT;

    /** The kind as the API and metrics name it: {@code missing}, {@code stale}... */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the lane repairs it (the stream applied again); {@code extra} only on an admin's request, {@code parked} never. */
    public boolean repairable() {
        return this == MISSING || this == STALE || this == CONTENT;
    }
}
