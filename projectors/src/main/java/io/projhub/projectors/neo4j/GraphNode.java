package io.projhub.projectors.neo4j;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node of a {@link GraphView}. {@code id} is stable and readable: its label and its key, e.g.
 * {@code Order:order-42}, {@code Product:Book}, {@code Shipment:TRK-1}. Properties are strings, numbers, booleans
 * and {@link java.time.Instant}s; money is a decimal string.
 */
public record GraphNode(String id, List<String> labels, Map<String, Object> properties) {

    public GraphNode {
        labels = List.copyOf(labels);
        properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
    }
}
