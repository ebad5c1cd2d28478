package io.projhub.projectors.neo4j;

import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.Value;
import org.neo4j.driver.types.Node;
import org.neo4j.driver.types.Path;
import org.neo4j.driver.types.Relationship;

/** The query side of the order graph: an order's neighbourhood, a customer's orders, as nodes and edges. */
public final class Neo4jGraphQueries {

    public static final int DEFAULT_MAX_ORDERS = 100;
    public static final int MAX_ORDERS_LIMIT = 1000;

    private static final SessionConfig READ = SessionConfig.builder().withDefaultAccessMode(AccessMode.READ).build();

    private static final String ORDER_GRAPH = """
            MATCH (o:Order {id: $orderId})
            RETURN o AS root,
                   COLLECT { MATCH p = (:Customer)-[:PLACED]->(o) RETURN p } AS placed,
                   COLLECT { MATCH p = (o)-[:CONTAINS]->(:Product) RETURN p } AS items,
                   COLLECT { MATCH p = (o)-[:SHIPPED_BY]->(:Shipment) RETURN p } AS shipments,
                   COLLECT { MATCH p = (o)-[:SHIPPED_BY]->(:Shipment)-[:VIA]->(:Carrier) RETURN p } AS carriers
            """;

    private static final String CUSTOMER_ORDERS_GRAPH = """
            MATCH (c:Customer {id: $customerId})
            WITH c, COLLECT {
                     MATCH p = (c)-[:PLACED]->(o:Order)
                     WITH p, o ORDER BY o.createdAt DESC, o.id LIMIT $maxOrders
                     RETURN p
                   } AS placed
            WITH c, placed, [p IN placed | last(nodes(p))] AS orders
            RETURN c AS root, placed,
                   COLLECT { UNWIND orders AS o MATCH p = (o)-[:CONTAINS]->(:Product) RETURN p } AS items,
                   COLLECT { UNWIND orders AS o MATCH p = (o)-[:SHIPPED_BY]->(:Shipment) RETURN p } AS shipments,
                   COLLECT { UNWIND orders AS o MATCH p = (o)-[:SHIPPED_BY]->(:Shipment)-[:VIA]->(:Carrier) RETURN p } AS carriers
            """;

    /** The property that identifies a node of each label, for readable stable node ids. */
    private static final Map<String, String> KEYS = Map.of("Customer", "id", "Order", "id", "Product", "name",
            "Shipment", "trackingNumber", "Carrier", "name");

    private final Driver driver;

    public Neo4jGraphQueries(Driver driver) {
        this.driver = Objects.requireNonNull(driver, "driver");
    }

    /** The order with its customer, products (CONTAINS has line, quantity, price), shipment and carrier; empty if unknown. */
    public Optional<GraphView> orderGraph(String orderId) {
        return graph(ORDER_GRAPH, Map.of("orderId", Objects.requireNonNull(orderId, "orderId")));
    }

    /** The customer and its {@value #DEFAULT_MAX_ORDERS} latest orders, each as in {@link #orderGraph}. */
    public Optional<GraphView> customerOrdersGraph(String customerId) {
        return customerOrdersGraph(customerId, DEFAULT_MAX_ORDERS);
    }

    /**
     * The customer and its {@code maxOrders} latest orders (by creation time), each as in {@link #orderGraph};
     * empty if the customer is unknown.
     *
     * @throws IllegalArgumentException if {@code maxOrders} is not within 1..{@value #MAX_ORDERS_LIMIT}
     */
    public Optional<GraphView> customerOrdersGraph(String customerId, int maxOrders) {
        if (maxOrders < 1 || maxOrders > MAX_ORDERS_LIMIT) {
            throw new IllegalArgumentException("maxOrders must be between 1 and " + MAX_ORDERS_LIMIT + ": " + maxOrders);
        }
        return graph(CUSTOMER_ORDERS_GRAPH, Map.of("customerId", Objects.requireNonNull(customerId, "customerId"),
                "maxOrders", (long) maxOrders));
    }

    private Optional<GraphView> graph(String cypher, Map<String, Object> parameters) {
        List<Record> records;
        try (Session session = driver.session(READ)) {
            records = session.run(cypher, parameters).list();
        }
        if (records.isEmpty()) {
            return Optional.empty();
        }
        Record record = records.get(0);
        Map<String, GraphNode> nodes = new HashMap<>();
        Map<String, GraphEdge> edges = new HashMap<>();
        GraphNode root = node(record.get("root").asNode());
        nodes.put(record.get("root").asNode().elementId(), root);
        for (String column : List.of("placed", "items", "shipments", "carriers")) {
            for (Value value : record.get(column).values()) {
                Path path = value.asPath();
                for (Node node : path.nodes()) {
                    nodes.computeIfAbsent(node.elementId(), id -> node(node));
                }
                for (Relationship relationship : path.relationships()) {
                    edges.computeIfAbsent(relationship.elementId(), id -> new GraphEdge(
                            nodes.get(relationship.startNodeElementId()).id(),
                            nodes.get(relationship.endNodeElementId()).id(),
                            relationship.type(), properties(relationship.asMap())));
                }
            }
        }
        List<GraphNode> sortedNodes = new ArrayList<>();
        sortedNodes.add(root);
        nodes.values().stream().filter(n -> n != root).sorted(Comparator.comparing(GraphNode::id)).forEach(sortedNodes::add);
        List<GraphEdge> sortedEdges = edges.values().stream()
                .sorted(Comparator.comparing(GraphEdge::from).thenComparing(GraphEdge::type).thenComparing(GraphEdge::to)
                        .thenComparing(e -> String.valueOf(e.properties().get("line"))))
                .toList();
        return Optional.of(new GraphView(sortedNodes, sortedEdges));
    }

    private static GraphNode node(Node node) {
        List<String> labels = new ArrayList<>();
        node.labels().forEach(labels::add);
        String key = labels.stream().filter(KEYS::containsKey).findFirst()
                .map(label -> label + ":" + node.get(KEYS.get(label)).asString(""))
                .orElse(node.elementId());
        return new GraphNode(key, labels, properties(node.asMap()));
    }

    /** Properties sorted by name, date-times as Instants. */
    private static Map<String, Object> properties(Map<String, Object> stored) {
        Map<String, Object> properties = new LinkedHashMap<>();
        new TreeMap<>(stored).forEach((name, value) -> properties.put(name,
                value instanceof ZonedDateTime zoned ? zoned.toInstant()
                        : value instanceof OffsetDateTime offset ? offset.toInstant() : value));
        return properties;
    }
}
