package io.projhub.core.projection;

import java.util.Map;

/**
 * A page of a read model's version records ({@link ReadModelProbe#recordedStreams}): stream → recorded version, and
 * the cursor of the next page (null after the last).
 */
public record RecordedStreams(Map<String, Long> versions, String next) {

    public RecordedStreams {
        versions = Map.copyOf(versions);
    }
}
