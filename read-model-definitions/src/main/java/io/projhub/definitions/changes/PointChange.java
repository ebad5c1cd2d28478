package io.projhub.definitions.changes;

import java.time.Instant;
import java.util.Map;

/**
 * InfluxDB: writes one point. {@code time} is the event's chosen time; the writer owns the sub-millisecond part
 * (derived from the event's position) so that a replay overwrites the same point. Tags never hold stream or
 * document ids.
 */
public record PointChange(Map<String, String> tags, Map<String, Object> fields, Instant time) implements Change {

    public PointChange {
        tags = Map.copyOf(tags);
        fields = Map.copyOf(fields);
    }
}
