package io.projhub.core.projection;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

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

    /**
     * The applied versions of many streams in one round trip where the store allows (the drift audit and the
     * monitor's verifications ask for many at once): stream → version, 0 for a stream without a record.
     */
    default Map<String, Long> appliedVersions(Collection<String> streamIds) throws Exception {
        Map<String, Long> versions = new LinkedHashMap<>();
        for (String streamId : streamIds) {
            versions.put(streamId, appliedVersion(streamId));
        }
        return versions;
    }

    /**
     * One page of the streams this read model's store holds a version record of, for the drift audit's search for
     * streams the log does not have: start with a null {@code cursor}, then pass {@link RecordedStreams#next()} until
     * it is null. Null if this store cannot list them.
     */
    default RecordedStreams recordedStreams(String cursor, int limit) throws Exception {
        return null;
    }
}
