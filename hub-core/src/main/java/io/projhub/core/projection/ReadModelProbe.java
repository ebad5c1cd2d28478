package io.projhub.core.projection;

import io.projhub.core.eventstore.LogPosition;

/**
 * Reads a read model's progress from its own store, never from the hub's memory: the consistency monitor
 * trusts stores.
 */
public interface ReadModelProbe {

    /** The read model's name, the same as its projector's. */
    String name();

    /** The checkpoint stored with the read model. */
    LogPosition checkpoint() throws Exception;

    /** The highest version of {@code streamId} the read model has applied; 0 if none. */
    long appliedVersion(String streamId) throws Exception;
}
