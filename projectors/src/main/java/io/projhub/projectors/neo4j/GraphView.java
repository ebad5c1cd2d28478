package io.projhub.projectors.neo4j;

import java.util.List;

/** A piece of the order graph as plain nodes and edges (e.g. for a JSON graph view). */
public record GraphView(List<GraphNode> nodes, List<GraphEdge> edges) {

    public GraphView {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
    }
}
