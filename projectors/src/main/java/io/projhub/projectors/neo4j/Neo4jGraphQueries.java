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

/**
 * The order graph of the {@code order-graph} read model (read-models/order-graph.yaml): an order's neighbourhood, a
 * customer's orders, as nodes and edges. Nodes are named {@code Label:key} and show, besides their properties, the
 * key under the name the order API has always used ({@code id}, {@code name}, {@code trackingNumber}); the hub's own
 * properties (the read model's marker, the stream that made a relationship) are left out, and amounts are given at
 * their currency's scale.
 */
public final class Neo4jGraphQueries {

    public static final int DEFAULT_MAX_ORDERS = 100;
    public static final int MAX_ORDERS_LIMIT = 1000;

    private static final SessionConfig READ = SessionConfig.builder().withDefaultAccessMode(AccessMode.READ).build();

    private static final String ORDER_GRAPH = """
            MATCH (o:Order {projhub_rm: $rm, key: $orderId})
            RETURN o AS root,
                   COLLECT { MATCH p = (:Customer)-[:PLACED]->(o) RETURN p } AS placed,
                   COLLECT { MATCH p = (o)-[:CONTAINS]->(:Product) RETURN p } AS items,
                   COLLECT { MATCH p = (o)-[:SHIPPED_BY]->(:Shipment) RETURN p } AS shipments,
                   COLLECT { MATCH p = (o)-[:SHIPPED_BY]->(:Shipment)-[:VIA]->(:Carrier) RETURN p } AS carriers
            """;

    private static final String CUSTOMER_ORDERS_GRAPH = """
            MATCH (c:Customer {projhub_rm: $rm, key: $customerId})
            WITH c, COLLECT {
                     MATCH p = (c)-[:PLACED]->(o:Order)
                     WITH p, o ORDER BY o.createdAt DESC, o.key LIMIT $maxOrders
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
    private final String marker;

    /** @param orders the live version of the {@code order-graph} read model */
    public Neo4jGraphQueries(Driver driver, Neo4jDefinedReadModel orders) {
        this.driver = Objects.requireNonNull(driver, "driver");
        this.marker = orders.marker();
    }

    /** The order with its customer, products (CONTAINS has line, quantity, price), shipment and carrier; empty if unknown. */
    public Optional<GraphView> orderGraph(String orderId) {
        return graph(ORDER_GRAPH, Map.of("orderId", Objects.requireNonNull(orderId, "orderId"), "rm", marker));
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
                "maxOrders", (long) maxOrders, "rm", marker));
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
                    Node start = path.nodes().iterator().next();
                    for (Node node : path.nodes()) {
                        if (node.elementId().equals(relationship.startNodeElementId())) {
                            start = node;
                        }
                    }
                    String currency = start.get("currency").asString(null);
                    edges.computeIfAbsent(relationship.elementId(), id -> new GraphEdge(
                            nodes.get(relationship.startNodeElementId()).id(),
                            nodes.get(relationship.endNodeElementId()).id(),
                            relationship.type(), money(properties(relationship.asMap()), "price", currency)));
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
        node.labels().forEach(label -> {
            if (!label.equals(Neo4jDefinedReadModel.NODE_LABEL)) {
                labels.add(label);
            }
        });
        String key = node.get(Neo4jDefinedReadModel.KEY).asString("");
        String label = labels.stream().filter(KEYS::containsKey).findFirst().orElse(null);
        Map<String, Object> properties = properties(node.asMap());
        properties.remove(Neo4jDefinedReadModel.KEY);
        if (label != null) {
            properties.put(KEYS.get(label), key);
        }
        Map<String, Object> sorted = new LinkedHashMap<>(new TreeMap<>(properties));
        return new GraphNode(label == null ? node.elementId() : label + ":" + key, labels,
                money(sorted, "total", node.get("currency").asString(null)));
    }

    /** {@code name}, a decimal string, at {@code currency}'s scale (as the order was sent); unchanged otherwise. */
    private static Map<String, Object> money(Map<String, Object> properties, String name, String currency) {
        if (currency != null && properties.get(name) instanceof String amount) {
            try {
                int scale = Math.max(java.util.Currency.getInstance(currency).getDefaultFractionDigits(), 0);
                properties.put(name, new java.math.BigDecimal(amount)
                        .setScale(scale, java.math.RoundingMode.UNNECESSARY).toPlainString());
            } catch (IllegalArgumentException | ArithmeticException e) {
                // not a currency, or more digits than it has: left as stored
            }
        }
        return properties;
    }

    /** Properties sorted by name (the hub's own left out), date-times as Instants. */
    private static Map<String, Object> properties(Map<String, Object> stored) {
        Map<String, Object> properties = new LinkedHashMap<>();
        new TreeMap<>(stored).forEach((name, value) -> {
            if (name.equals(Neo4jDefinedReadModel.MARKER) || name.equals(Neo4jDefinedReadModel.STREAM)) {
                return;
            }
            properties.put(name, value instanceof ZonedDateTime zoned ? zoned.toInstant()
                    : value instanceof OffsetDateTime offset ? offset.toInstant() : value);
        });
        return properties;
    }
}
