package io.projhub.projectors.neo4j;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A relationship of a {@link GraphView}, from and to {@link GraphNode#id()}s. */
public record GraphEdge(String from, String to, String type, Map<String, Object> properties) {

    public GraphEdge {
        properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
    }
}
