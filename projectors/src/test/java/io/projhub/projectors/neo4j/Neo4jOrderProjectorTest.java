package io.projhub.projectors.neo4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.Transaction;
import org.neo4j.driver.TransactionConfig;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.Neo4jException;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.neo4j.driver.exceptions.SessionExpiredException;
import org.neo4j.driver.exceptions.TransientException;

import io.projhub.projectors.testing.EventLog;
import io.projhub.projectors.testing.Resequenced;
import io.projhub.core.domain.customer.CustomerDeactivated;
import io.projhub.core.domain.customer.CustomerRegistered;
import io.projhub.core.domain.order.OrderCancelled;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.domain.order.OrderItem;
import io.projhub.core.domain.order.OrderShipped;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.projectors.testing.TestGraph;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

@RealStores
class Neo4jOrderProjectorTest {

    private static final Instant T0 = Instant.parse("2026-01-10T10:00:00Z");

    private final Driver driver;
    private final String namespace = "t" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final String suffix = UUID.randomUUID().toString();

    private final String ada = "customer-" + UUID.randomUUID();
    private final String bob = "customer-" + UUID.randomUUID();
    private final String unregistered = "customer-" + UUID.randomUUID();
    private final String orderA = "order-" + UUID.randomUUID();
    private final String orderB = "order-" + UUID.randomUUID();
    private final String orderC = "order-" + UUID.randomUUID();
    private final String orderD = "order-" + UUID.randomUUID();
    private final String orderE = "order-" + UUID.randomUUID();
    private final String book = "Book " + suffix;
    private final String pen = "Pen " + suffix;
    private final String lamp = "Lamp " + suffix;
    private final String tea = "Tea " + suffix;
    private final String trackingA = "TRK-A-" + suffix;
    private final String trackingD = "TRK-D-" + suffix;
    private final String dhl = "DHL " + suffix;
    private final String ups = "UPS " + suffix;
    private final EventLog log = new EventLog();
    private final List<String> moreCustomers = new ArrayList<>();
    private final List<String> moreOrders = new ArrayList<>();
    private final List<String> moreTracking = new ArrayList<>();
    private final List<String> locks = new ArrayList<>();

    Neo4jOrderProjectorTest(StoreEndpoints stores) {
        driver = Neo4jConnector.connect(stores.neo4jUri(), stores.neo4jUser(), stores.neo4jPassword());
    }

    @AfterEach
    void deleteWhatTheTestCreated() {
        try {
            deleteTestNodes();
        } finally {
            driver.close();
        }
    }

    private void deleteTestNodes() {
        TestGraph.deleteOwnNodes(driver, ids());
    }

    /**
     * Ada (registered) orders A (Book x2, Pen; shipped by DHL), B (Lamp; cancelled), D (Tea; shipped by UPS); Bob
     * (registered, then deactivated) orders C (Book); a customer who never registered orders E (Pen). Each order's
     * creation and its shipping or cancellation are in the same batch, so a batch holds two waves.
     */
    private List<RecordedEvent> sampleLog() {
        log.append("customer", ada, new CustomerRegistered(ada, "Ada Lovelace", "ada@example.org", T0));
        log.append("customer", bob, new CustomerRegistered(bob, "Bob Babbage", "bob@example.org", T0.plusSeconds(1)));
        log.append("order", orderA, new OrderCreated(orderA, ada, "Ada Lovelace", "EUR",
                List.of(new OrderItem(book, new BigDecimal("12.50"), 2), new OrderItem(pen, new BigDecimal("0.50"), 1)),
                new BigDecimal("25.50"), T0.plusSeconds(60)));
        log.append("order", orderB, new OrderCreated(orderB, ada, "Ada Lovelace", "EUR",
                List.of(new OrderItem(lamp, new BigDecimal("10.00"), 1)), new BigDecimal("10.00"), T0.plusSeconds(120)));
        log.append("order", orderC, new OrderCreated(orderC, bob, "Bob Babbage", "EUR",
                List.of(new OrderItem(book, new BigDecimal("12.50"), 1)), new BigDecimal("12.50"), T0.plusSeconds(180)));
        log.append("order", orderA, new OrderShipped(orderA, trackingA, dhl, T0.plusSeconds(300), 240_000));
        log.append("order", orderB, new OrderCancelled(orderB, "changed mind", T0.plusSeconds(310)));
        log.append("customer", bob, new CustomerDeactivated(bob, "moved away", T0.plusSeconds(320)));
        log.append("order", orderD, new OrderCreated(orderD, ada, "Ada Lovelace", "JPY",
                List.of(new OrderItem(tea, new BigDecimal("500"), 3)), new BigDecimal("1500"), T0.plusSeconds(240)));
        log.append("order", orderD, new OrderShipped(orderD, trackingD, ups, T0.plusSeconds(400), 160_000));
        log.append("order", orderE, new OrderCreated(orderE, unregistered, "Eve Unknown", "USD",
                List.of(new OrderItem(pen, new BigDecimal("0.75"), 4)), new BigDecimal("3.00"), T0.plusSeconds(250)));
        return log.events();
    }

    @Test
    void aBatchOfCustomersAndOrdersGivesExactlyTheExpectedGraph() {
        new Neo4jOrderProjector(driver, namespace).apply(new EventBatch(sampleLog(), log.head()));

        assertThat(nodeCounts()).containsExactly(entry("Carrier", 2L), entry("Customer", 3L), entry("Order", 5L),
                entry("Product", 4L), entry("Shipment", 2L));
        assertThat(relationshipCounts()).containsExactly(entry("CONTAINS", 6L), entry("PLACED", 5L),
                entry("SHIPPED_BY", 2L), entry("VIA", 2L));
        Map<String, Object> a = properties("MATCH (n:Order {id: $id}) RETURN n", orderA);
        assertThat(a).containsOnly(entry("id", orderA), entry("status", "SHIPPED"), entry("total", "25.50"),
                entry("currency", "EUR"), entry("createdAt", T0.plusSeconds(60)),
                entry("shippedAt", T0.plusSeconds(300)), entry("version", 2L));
        assertThat(properties("MATCH (n:Order {id: $id}) RETURN n", orderB))
                .contains(entry("status", "CANCELLED"), entry("cancelReason", "changed mind"), entry("version", 2L));
        assertThat(properties("MATCH (n:Customer {id: $id}) RETURN n", bob)).contains(entry("active", false),
                entry("name", "Bob Babbage"), entry("deactivationReason", "moved away"), entry("version", 2L));
        assertThat(properties("MATCH (n:Customer {id: $id}) RETURN n", unregistered))
                .containsOnly(entry("id", unregistered), entry("name", "Eve Unknown"));
        try (Session session = driver.session()) {
            List<Record> lines = session.run("""
                    MATCH (:Order {id: $id})-[r:CONTAINS]->(p:Product)
                    RETURN r.line AS line, p.name AS product, r.quantity AS quantity, r.price AS price ORDER BY line
                    """, Map.of("id", orderA)).list();
            assertThat(lines).extracting(r -> r.get("product").asString() + " x" + r.get("quantity").asLong()
                    + " @ " + r.get("price").asString()).containsExactly(book + " x2 @ 12.50", pen + " x1 @ 0.50");
            assertThat(session.run("""
                    MATCH (:Order {id: $id})-[:SHIPPED_BY]->(s:Shipment)-[:VIA]->(c:Carrier)
                    RETURN s.trackingNumber AS tracking, c.name AS carrier
                    """, Map.of("id", orderD)).single().get("carrier").asString()).isEqualTo(ups);
        }
    }

    @Test
    void applyingTheSameBatchTwiceLeavesTheGraphExactlyAsAfterOnce() {
        EventBatch batch = new EventBatch(sampleLog(), log.head());
        Neo4jOrderProjector projector = new Neo4jOrderProjector(driver, namespace);
        projector.apply(batch);
        List<String> once = snapshot();

        projector.apply(batch);

        assertThat(once).hasSize(16 + 15);
        assertThat(snapshot()).isEqualTo(once);
    }

    @Test
    void replayingTheWholeLogIntoAPopulatedGraphLeavesItExactlyAsAfterOnePass() {
        List<RecordedEvent> events = sampleLog();
        Neo4jOrderProjector first = new Neo4jOrderProjector(driver, namespace);
        for (int from = 0; from < events.size(); from += 3) {
            List<RecordedEvent> slice = events.subList(from, Math.min(from + 3, events.size()));
            first.apply(new EventBatch(slice, slice.get(slice.size() - 1).logPosition()));
        }
        List<String> onePass = snapshot();

        Neo4jOrderProjector restarted = new Neo4jOrderProjector(driver, namespace);
        assertThat(restarted.checkpoint()).isEqualTo(log.head());
        restarted.apply(new EventBatch(events, log.head(), false));
        assertThat(snapshot()).isEqualTo(onePass);
        restarted.apply(new EventBatch(events, log.head(), true));

        assertThat(snapshot()).isEqualTo(onePass);
        assertThat(nodeCounts().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(16);
        assertThat(relationshipCounts().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(15);
        assertThat(restarted.checkpoint()).isEqualTo(log.head());
    }

    @Test
    void anOlderEventDoesNotOverwriteNewerData() {
        List<RecordedEvent> events = sampleLog();
        Neo4jOrderProjector projector = new Neo4jOrderProjector(driver, namespace);
        projector.apply(new EventBatch(events, log.head()));
        List<String> applied = snapshot();
        RecordedEvent createdA = events.get(2);
        RecordedEvent registeredBob = events.get(1);
        assertThat(createdA.type()).isEqualTo("OrderCreated");
        assertThat(registeredBob.type()).isEqualTo("CustomerRegistered");

        projector.apply(new EventBatch(List.of(registeredBob, createdA), log.head(), true));

        assertThat(properties("MATCH (n:Order {id: $id}) RETURN n", orderA)).contains(entry("status", "SHIPPED"));
        assertThat(properties("MATCH (n:Customer {id: $id}) RETURN n", bob)).contains(entry("active", false));
        assertThat(snapshot()).isEqualTo(applied);
    }

    @Test
    void aRedeliveredEventNotYetAppliedIsAppliedBelowTheCheckpointWhichStaysPut() {
        List<RecordedEvent> events = sampleLog();
        List<RecordedEvent> withoutCancellation = new ArrayList<>(events);
        RecordedEvent cancelledB = withoutCancellation.remove(6);
        assertThat(cancelledB.type()).isEqualTo("OrderCancelled");
        Neo4jOrderProjector projector = new Neo4jOrderProjector(driver, namespace);
        projector.apply(new EventBatch(withoutCancellation, log.head()));
        assertThat(properties("MATCH (n:Order {id: $id}) RETURN n", orderB)).contains(entry("status", "CREATED"));

        projector.apply(new EventBatch(List.of(cancelledB), log.head(), true));

        assertThat(properties("MATCH (n:Order {id: $id}) RETURN n", orderB))
                .contains(entry("status", "CANCELLED"), entry("version", 2L));
        assertThat(projector.checkpoint()).isEqualTo(log.head());
    }

    @Test
    void theCheckpointIsStartWhenEmptyThenTheBatchesForANewInstanceAndNeverMovesBack() {
        Neo4jOrderProjector projector = new Neo4jOrderProjector(driver, namespace);
        assertThat(projector.checkpoint()).isEqualTo(LogPosition.START);
        assertThat(new Neo4jProbe(driver, namespace).checkpoint()).isEqualTo(LogPosition.START);

        projector.apply(new EventBatch(sampleLog(), log.head()));
        assertThat(new Neo4jOrderProjector(driver, namespace).checkpoint()).isEqualTo(log.head());
        assertThat(new Neo4jProbe(driver, namespace).checkpoint()).isEqualTo(log.head());

        projector.apply(new EventBatch(List.of(), new LogPosition(9, 500_000)));
        assertThat(projector.checkpoint()).isEqualTo(log.head());
        projector.apply(new EventBatch(List.of(), new LogPosition(10_000, 3)));
        projector.apply(new EventBatch(List.of(), new LogPosition(9_999, 999_999), true));
        projector.apply(new EventBatch(List.of(), new LogPosition(10_000, 2), true));
        assertThat(new Neo4jProbe(driver, namespace).checkpoint()).isEqualTo(new LogPosition(10_000, 3));
        projector.apply(new EventBatch(List.of(), new LogPosition(10_000, 12)));
        assertThat(new Neo4jProbe(driver, namespace).checkpoint()).isEqualTo(new LogPosition(10_000, 12));
    }

    @Test
    void anOverwrittenCheckpointMovesBackAndTheEventsAfterItApplyAgainLeavingTheGraphAsItWas() {
        List<RecordedEvent> events = sampleLog();
        Neo4jOrderProjector projector = new Neo4jOrderProjector(driver, namespace);
        projector.apply(new EventBatch(events, log.head()));
        List<String> once = snapshot();
        Neo4jProbe probe = new Neo4jProbe(driver, namespace);

        LogPosition lower = events.get(4).logPosition();
        projector.overwriteCheckpoint(lower);
        assertThat(new Neo4jOrderProjector(driver, namespace).checkpoint()).isEqualTo(lower);
        assertThat(probe.checkpoint()).isEqualTo(lower);
        assertThat(snapshot()).as("the graph stays as it is").isEqualTo(once);

        projector.apply(new EventBatch(events.subList(5, events.size()), log.head()));
        assertThat(snapshot()).isEqualTo(once);
        assertThat(probe.checkpoint()).isEqualTo(log.head());

        // As after the log's re-sequencing: every event at the same low tx id, below the checkpoint the graph holds.
        List<RecordedEvent> resequenced = Resequenced.events(events);
        LogPosition last = Resequenced.position(events.get(events.size() - 1));
        projector.overwriteCheckpoint(Resequenced.position(events.get(4)));
        assertThat(probe.checkpoint()).isEqualTo(Resequenced.position(events.get(4)));
        projector.apply(new EventBatch(resequenced.subList(5, events.size()), last));
        assertThat(snapshot()).isEqualTo(once);
        assertThat(probe.checkpoint()).isEqualTo(last);

        projector.overwriteCheckpoint(LogPosition.START);
        assertThat(projector.checkpoint()).isEqualTo(LogPosition.START);
        assertThat(probe.checkpoint()).isEqualTo(LogPosition.START);
        RecordedEvent next = Resequenced.events(List.of(log.append("order", orderC,
                new OrderCancelled(orderC, "late", T0.plusSeconds(900))))).get(0);
        projector.apply(new EventBatch(List.of(next), next.logPosition()));
        assertThat(probe.checkpoint()).isEqualTo(next.logPosition());
        assertThat(probe.appliedVersion(orderC)).isEqualTo(2);
        assertThat(properties("MATCH (n:Order {id: $id}) RETURN n", orderC))
                .contains(entry("status", "CANCELLED"), entry("version", 2L));
    }

    @Test
    void theProbeReturnsTheAppliedVersionOfEachStream() {
        List<RecordedEvent> events = sampleLog();
        Neo4jOrderProjector projector = new Neo4jOrderProjector(driver, namespace);
        projector.apply(new EventBatch(events.subList(0, 5), events.get(4).logPosition()));
        Neo4jProbe probe = new Neo4jProbe(driver, namespace);
        assertThat(probe.appliedVersion(orderA)).isEqualTo(1);

        projector.apply(new EventBatch(events, log.head()));

        assertThat(probe.name()).isEqualTo("neo4j");
        assertThat(probe.appliedVersion(orderA)).isEqualTo(2);
        assertThat(probe.appliedVersion(orderE)).isEqualTo(1);
        assertThat(probe.appliedVersion(ada)).isEqualTo(1);
        assertThat(probe.appliedVersion(bob)).isEqualTo(2);
        assertThat(probe.appliedVersion(unregistered)).isZero();
        assertThat(probe.appliedVersion("order-" + UUID.randomUUID())).isZero();
    }

    @Test
    void theGraphQueriesReturnWhatTheEventsImply() {
        new Neo4jOrderProjector(driver, namespace).apply(new EventBatch(sampleLog(), log.head()));
        Neo4jGraphQueries queries = new Neo4jGraphQueries(driver);

        GraphView order = queries.orderGraph(orderA).orElseThrow();
        assertThat(order.nodes().get(0).id()).isEqualTo("Order:" + orderA);
        assertThat(order.nodes().get(0).labels()).containsExactly("Order");
        assertThat(order.nodes().get(0).properties()).contains(entry("status", "SHIPPED"), entry("total", "25.50"),
                entry("createdAt", T0.plusSeconds(60)));
        assertThat(order.nodes()).extracting(GraphNode::id).containsExactlyInAnyOrder("Order:" + orderA,
                "Customer:" + ada, "Product:" + book, "Product:" + pen, "Shipment:" + trackingA, "Carrier:" + dhl);
        assertThat(order.edges()).containsExactlyInAnyOrder(
                new GraphEdge("Customer:" + ada, "Order:" + orderA, "PLACED", Map.of()),
                new GraphEdge("Order:" + orderA, "Product:" + book, "CONTAINS",
                        Map.of("line", 1L, "quantity", 2L, "price", "12.50")),
                new GraphEdge("Order:" + orderA, "Product:" + pen, "CONTAINS",
                        Map.of("line", 2L, "quantity", 1L, "price", "0.50")),
                new GraphEdge("Order:" + orderA, "Shipment:" + trackingA, "SHIPPED_BY", Map.of()),
                new GraphEdge("Shipment:" + trackingA, "Carrier:" + dhl, "VIA", Map.of()));

        GraphView customer = queries.customerOrdersGraph(ada).orElseThrow();
        assertThat(customer.nodes().get(0).id()).isEqualTo("Customer:" + ada);
        assertThat(customer.nodes().get(0).properties()).contains(entry("name", "Ada Lovelace"), entry("active", true));
        assertThat(customer.nodes()).extracting(GraphNode::id).containsExactlyInAnyOrder("Customer:" + ada,
                "Order:" + orderA, "Order:" + orderB, "Order:" + orderD, "Product:" + book, "Product:" + pen,
                "Product:" + lamp, "Product:" + tea, "Shipment:" + trackingA, "Shipment:" + trackingD,
                "Carrier:" + dhl, "Carrier:" + ups);
        assertThat(customer.edges()).extracting(GraphEdge::type).containsExactlyInAnyOrder("PLACED", "PLACED",
                "PLACED", "CONTAINS", "CONTAINS", "CONTAINS", "CONTAINS", "SHIPPED_BY", "SHIPPED_BY", "VIA", "VIA");

        GraphView latest = queries.customerOrdersGraph(ada, 1).orElseThrow();
        assertThat(latest.nodes()).extracting(GraphNode::id).containsExactlyInAnyOrder("Customer:" + ada,
                "Order:" + orderD, "Product:" + tea, "Shipment:" + trackingD, "Carrier:" + ups);

        GraphView withoutShipments = queries.customerOrdersGraph(bob).orElseThrow();
        assertThat(withoutShipments.nodes()).extracting(GraphNode::id)
                .containsExactlyInAnyOrder("Customer:" + bob, "Order:" + orderC, "Product:" + book);

        assertThat(queries.orderGraph("order-" + UUID.randomUUID())).isEmpty();
        assertThat(queries.customerOrdersGraph("customer-" + UUID.randomUUID())).isEmpty();
        assertThatThrownBy(() -> queries.customerOrdersGraph(ada, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> queries.customerOrdersGraph(ada, 1001)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCustomerWithoutOrdersIsAGraphOfOneNode() {
        new Neo4jOrderProjector(driver, namespace).apply(new EventBatch(sampleLog().subList(0, 1), log.events().get(0).logPosition()));

        GraphView graph = new Neo4jGraphQueries(driver).customerOrdersGraph(ada).orElseThrow();

        assertThat(graph.nodes()).extracting(GraphNode::id).containsExactly("Customer:" + ada);
        assertThat(graph.edges()).isEmpty();
    }

    @Test
    void badEventDataIsAPermanentFailureAndTheWholeBatchIsRolledBack() {
        RecordedEvent created = log.append("order", orderA, new OrderCreated(orderA, ada, "Ada Lovelace", "EUR",
                List.of(new OrderItem(book, new BigDecimal("12.50"), 1)), new BigDecimal("12.50"), T0));
        RecordedEvent shippedWithoutCarrier = log.append("order", orderA,
                new OrderShipped(orderA, trackingA, null, T0.plusSeconds(5), 5000));
        Neo4jOrderProjector projector = new Neo4jOrderProjector(driver, namespace);

        Throwable failure = catchFailure(() -> projector.apply(new EventBatch(List.of(created, shippedWithoutCarrier), log.head())));

        assertThat(projector.classify(failure)).isEqualTo(FailureKind.PERMANENT);
        assertThat(nodeCounts()).isEmpty();
        assertThat(projector.checkpoint()).isEqualTo(LogPosition.START);
    }

    /**
     * The sample log, then 24 more customers with 3 orders each (two lines from the same four products), every other
     * order shipped by one of the same two carriers, every fifth cancelled, every sixth customer deactivated: all in
     * one batch, so its streams fall into several partitions that create and share the same Product and Carrier
     * nodes.
     */
    private List<RecordedEvent> manyStreamsLog() {
        sampleLog();
        List<String> products = List.of(book, pen, lamp, tea);
        for (int c = 0; c < 24; c++) {
            String customer = "customer-" + UUID.randomUUID();
            moreCustomers.add(customer);
            log.append("customer", customer, new CustomerRegistered(customer, "Customer " + c, c + "@example.org",
                    T0.plusSeconds(c)));
            for (int o = 0; o < 3; o++) {
                int n = c * 3 + o;
                String order = "order-" + UUID.randomUUID();
                moreOrders.add(order);
                log.append("order", order, new OrderCreated(order, customer, "Customer " + c, "EUR",
                        List.of(new OrderItem(products.get(n % 4), new BigDecimal("2.00"), 1 + o),
                                new OrderItem(products.get((n + 1 + c) % 4), new BigDecimal("3.50"), 1)),
                        new BigDecimal("5.50"), T0.plusSeconds(100 + n)));
                if (n % 2 == 0) {
                    String tracking = "TRK-" + n + "-" + suffix;
                    moreTracking.add(tracking);
                    log.append("order", order, new OrderShipped(order, tracking, n % 4 == 0 ? dhl : ups,
                            T0.plusSeconds(500 + n), 1000));
                } else if (n % 5 == 0) {
                    log.append("order", order, new OrderCancelled(order, "changed mind", T0.plusSeconds(500 + n)));
                }
            }
            if (c % 6 == 0) {
                log.append("customer", customer, new CustomerDeactivated(customer, "moved away", T0.plusSeconds(900)));
            }
        }
        return log.events();
    }

    @Test
    void aBatchWrittenInSeveralPartitionsSharingProductsIsAppliedExactlyOnceAndItsReplayChangesNothing() {
        List<RecordedEvent> events = manyStreamsLog();
        EventBatch batch = new EventBatch(events, log.head());
        Neo4jOrderProjector projector = new Neo4jOrderProjector(driver, namespace, 4);
        assertThat(projector.partitions(events)).filteredOn(partition -> !partition.isEmpty()).hasSizeGreaterThan(2);

        projector.apply(batch);

        assertThat(nodeCounts()).containsExactly(entry("Carrier", 2L), entry("Customer", 27L), entry("Order", 77L),
                entry("Product", 4L), entry("Shipment", 38L));
        assertThat(relationshipCounts()).containsExactly(entry("CONTAINS", 150L), entry("PLACED", 77L),
                entry("SHIPPED_BY", 38L), entry("VIA", 38L));
        try (Session session = driver.session()) {
            Map<String, Long> statuses = new TreeMap<>();
            session.run("""
                    UNWIND $orders AS id MATCH (o:Order {id: id})
                    RETURN o.status + ' v' + o.version AS status, count(*) AS orders
                    """, Map.of("orders", moreOrders))
                    .forEachRemaining(r -> statuses.put(r.get("status").asString(), r.get("orders").asLong()));
            assertThat(statuses).containsExactly(entry("CANCELLED v2", 7L), entry("CREATED v1", 29L),
                    entry("SHIPPED v2", 36L));
        }
        assertThat(projector.checkpoint()).isEqualTo(log.head());
        List<String> partitioned = snapshot();

        // The same batch in a single transaction gives the very same graph.
        deleteTestNodes();
        new Neo4jOrderProjector(driver, namespace, 1).apply(batch);
        assertThat(snapshot()).isEqualTo(partitioned);

        // Replays, cut differently, change nothing.
        projector.apply(batch);
        assertThat(snapshot()).isEqualTo(partitioned);
        new Neo4jOrderProjector(driver, namespace, 3).apply(new EventBatch(events, log.head(), true));
        assertThat(snapshot()).isEqualTo(partitioned);
        assertThat(projector.checkpoint()).isEqualTo(log.head());
    }

    @Test
    void aFailedPartitionLeavesTheCheckpointAndAReplayOfTheBatchCompletesIt() {
        List<RecordedEvent> events = new ArrayList<>(manyStreamsLog());
        String poisoned = moreOrders.get(moreOrders.size() - 1);
        RecordedEvent poison = log.append("order", poisoned, new OrderShipped(poisoned, "TRK-X-" + suffix, null,
                T0.plusSeconds(999), 1000));
        Neo4jOrderProjector projector = new Neo4jOrderProjector(driver, namespace, 4);

        Throwable failure = catchFailure(() -> projector.apply(new EventBatch(concat(events, List.of(poison)), log.head())));

        assertThat(projector.classify(failure)).isEqualTo(FailureKind.PERMANENT);
        assertThat(projector.checkpoint()).isEqualTo(LogPosition.START);
        assertThat(new Neo4jProbe(driver, namespace).appliedVersion(poisoned)).isZero();

        projector.apply(new EventBatch(events, log.head()));

        assertThat(nodeCounts()).containsExactly(entry("Carrier", 2L), entry("Customer", 27L), entry("Order", 77L),
                entry("Product", 4L), entry("Shipment", 38L));
        assertThat(relationshipCounts()).containsExactly(entry("CONTAINS", 150L), entry("PLACED", 77L),
                entry("SHIPPED_BY", 38L), entry("VIA", 38L));
        assertThat(projector.checkpoint()).isEqualTo(log.head());
    }

    @Test
    void writePartitionsDefaultToTwoAndMustBeBetweenOneAndSixtyFour() {
        assertThat(new Neo4jOrderProjector(driver, namespace).writePartitions())
                .isEqualTo(Neo4jOrderProjector.DEFAULT_WRITE_PARTITIONS).isEqualTo(2);
        assertThat(new Neo4jOrderProjector(driver, namespace, 64).writePartitions()).isEqualTo(64);
        assertThatThrownBy(() -> new Neo4jOrderProjector(driver, namespace, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Neo4jOrderProjector(driver, namespace, 65))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSkippedOrderCreatedIsRecordedOutsideTheGraphAndTheOrdersLaterVersionsOnlyRaiseIt() {
        RecordedEvent created = log.append("order", orderA, new OrderCreated(orderA, ada, "Ada Lovelace", "EUR",
                List.of(new OrderItem(book, new BigDecimal("12.50"), 1)), new BigDecimal("12.50"), T0));
        RecordedEvent shipped = log.append("order", orderA, new OrderShipped(orderA, trackingA, dhl, T0.plusSeconds(60), 60_000));
        log.append("customer", bob, new CustomerRegistered(bob, "Bob Babbage", "bob@example.org", T0));
        RecordedEvent deactivated = log.append("customer", bob, new CustomerDeactivated(bob, "moved away", T0.plusSeconds(9)));
        Neo4jOrderProjector projector = new Neo4jOrderProjector(driver, namespace);
        Neo4jProbe probe = new Neo4jProbe(driver, namespace);
        Neo4jGraphQueries queries = new Neo4jGraphQueries(driver);

        projector.recordSkipped(orderA, 1);

        assertThat(probe.appliedVersion(orderA)).isEqualTo(1);
        assertThat(queries.orderGraph(orderA)).isEmpty();

        // The chain parked behind the skipped event is released as a redelivery.
        projector.apply(new EventBatch(List.of(shipped), log.head(), true));

        assertThat(probe.appliedVersion(orderA)).isEqualTo(2);
        assertThat(nodeCounts()).as("no order, customer, product, shipment or carrier").isEmpty();

        projector.recordSkipped(orderA, 1);
        assertThat(probe.appliedVersion(orderA)).as("a lower skipped version never lowers it").isEqualTo(2);
        projector.apply(new EventBatch(List.of(created, shipped), log.head(), true));
        assertThat(nodeCounts()).as("the skipped event delivered again is not applied").isEmpty();

        // A later event in an ordinary batch: Bob, whose registration was skipped, gets no node either.
        projector.recordSkipped(bob, 1);
        projector.apply(new EventBatch(List.of(deactivated), log.head()));
        assertThat(probe.appliedVersion(bob)).isEqualTo(2);
        assertThat(queries.customerOrdersGraph(bob)).isEmpty();
        assertThat(nodeCounts()).isEmpty();
        assertThat(projector.checkpoint()).isEqualTo(log.head());
    }

    @Test
    void aSkippedChangeCountsAsAppliedAndTheNextVersionAppliesNormally() {
        RecordedEvent created = log.append("order", orderA, new OrderCreated(orderA, ada, "Ada Lovelace", "EUR",
                List.of(new OrderItem(book, new BigDecimal("12.50"), 1)), new BigDecimal("12.50"), T0));
        RecordedEvent shipped = log.append("order", orderA, new OrderShipped(orderA, trackingA, dhl, T0.plusSeconds(60), 60_000));
        RecordedEvent cancelled = log.append("order", orderA, new OrderCancelled(orderA, "lost", T0.plusSeconds(90)));
        Neo4jOrderProjector projector = new Neo4jOrderProjector(driver, namespace);
        projector.apply(new EventBatch(List.of(created), created.logPosition()));

        projector.recordSkipped(orderA, 2);
        projector.apply(new EventBatch(List.of(created, shipped), created.logPosition(), true));
        assertThat(properties("MATCH (n:Order {id: $id}) RETURN n", orderA)).as("the skipped shipment is not applied")
                .contains(entry("status", "CREATED"), entry("version", 1L));
        assertThat(nodeCounts()).doesNotContainKeys("Shipment", "Carrier");

        projector.apply(new EventBatch(List.of(cancelled), log.head()));

        assertThat(new Neo4jProbe(driver, namespace).appliedVersion(orderA)).isEqualTo(3);
        assertThat(properties("MATCH (n:Order {id: $id}) RETURN n", orderA))
                .contains(entry("status", "CANCELLED"), entry("version", 3L));
    }

    // Classification. Real server errors: a deadlock (Neo.TransientError.Transaction.DeadlockDetected), a lock wait
    // cut by the transaction's timeout (sent as Neo.TransientError.Transaction.LockClientStopped, which the driver
    // renames to a client error), a syntax error, and the unreachable server below. Built as the driver builds them:
    // ServiceUnavailable and SessionExpired (a cluster member going away mid-session), and a Neo.TransientError code
    // in a plain Neo4jException (how the driver reports an error it has no class for).

    private static final String LOCK = "MATCH (n:ProjhubTestLock {id: $id}) SET n.locked = true";

    @Test
    void aDeadlockIsTransient() {
        List<String> nodes = lockNodes(2);
        try (Session first = driver.session(); Session second = driver.session();
             Transaction one = first.beginTransaction(); Transaction two = second.beginTransaction()) {
            one.run(LOCK, Map.of("id", nodes.get(0))).consume();
            two.run(LOCK, Map.of("id", nodes.get(1))).consume();
            // Each now waits for the other's node: Neo4j aborts one of them.
            CompletableFuture<Neo4jException> oneWaits = CompletableFuture.supplyAsync(() -> lockOrRollBack(one, nodes.get(1)));
            Neo4jException twoFailed = lockOrRollBack(two, nodes.get(0));
            Neo4jException failure = twoFailed != null ? twoFailed : oneWaits.join();
            oneWaits.join();

            assertThat(failure).isInstanceOf(TransientException.class);
            assertThat(failure.code()).isEqualTo("Neo.TransientError.Transaction.DeadlockDetected");
            assertThat(new Neo4jOrderProjector(driver, namespace).classify(failure)).isEqualTo(FailureKind.TRANSIENT);
        }
    }

    @Test
    void aLockWaitCutByTheTransactionTimeoutIsTransient() {
        String node = lockNodes(1).get(0);
        try (Session holder = driver.session(); Session waiter = driver.session();
             Transaction holding = holder.beginTransaction()) {
            holding.run(LOCK, Map.of("id", node)).consume();
            Neo4jException failure;
            try (Transaction waiting = waiter.beginTransaction(
                    TransactionConfig.builder().withTimeout(Duration.ofMillis(200)).build())) {
                failure = lockOrRollBack(waiting, node);
            }

            assertThat(failure).isInstanceOf(ClientException.class);
            assertThat(failure.code()).isEqualTo("Neo.ClientError.Transaction.LockClientStopped");
            assertThat(new Neo4jOrderProjector(driver, namespace).classify(failure)).isEqualTo(FailureKind.TRANSIENT);
        }
    }

    @Test
    void aServerGoingAwayOrAnyTransientCodeIsTransientAndABadStatementPermanent() {
        Neo4jOrderProjector projector = new Neo4jOrderProjector(driver, namespace);
        assertThat(projector.classify(new ServiceUnavailableException("Unable to connect to 127.0.0.1:7687")))
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(projector.classify(new SessionExpiredException("Server at 10.0.0.2:7687 is no longer available")))
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(projector.classify(new RuntimeException(new Neo4jException(
                "Neo.TransientError.General.MemoryPoolOutOfMemoryError", "The allocation exceeds the pool limit"))))
                .isEqualTo(FailureKind.TRANSIENT);

        Throwable syntaxError;
        try (Session session = driver.session()) {
            syntaxError = catchFailure(() -> session.run("RETURN 1 +").consume());
        }
        assertThat(((Neo4jException) syntaxError).code()).isEqualTo("Neo.ClientError.Statement.SyntaxError");
        assertThat(projector.classify(syntaxError)).isEqualTo(FailureKind.PERMANENT);
    }

    /** Test nodes to lock, deleted after the test. */
    private List<String> lockNodes(int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add("lock-" + i + "-" + suffix);
        }
        locks.addAll(ids);
        try (Session session = driver.session()) {
            session.run("UNWIND $ids AS id CREATE (:ProjhubTestLock {id: id})", Map.of("ids", ids)).consume();
        }
        return ids;
    }

    /** Locks the node in the transaction; if that fails, closes the transaction (releasing its locks) and returns why. */
    private static Neo4jException lockOrRollBack(Transaction tx, String node) {
        try {
            tx.run(LOCK, Map.of("id", node)).consume();
            return null;
        } catch (Neo4jException e) {
            tx.close();
            return e;
        }
    }

    @Test
    void anUnreachableNeo4jIsATransientFailure() {
        try (Driver nowhere = Neo4jConnector.connect("bolt://127.0.0.1:1", "", "")) {
            Neo4jOrderProjector projector = new Neo4jOrderProjector(nowhere, namespace);

            Throwable failure = catchFailure(() -> projector.apply(new EventBatch(sampleLog(), log.head())));

            assertThat(projector.classify(failure)).isEqualTo(FailureKind.TRANSIENT);
        }
    }

    private static Throwable catchFailure(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }

    private Map<String, Object> ids() {
        return Map.of("customers", concat(List.of(ada, bob, unregistered), moreCustomers),
                "orders", concat(List.of(orderA, orderB, orderC, orderD, orderE), moreOrders),
                "products", List.of(book, pen, lamp, tea), "tracking", concat(List.of(trackingA, trackingD), moreTracking),
                "carriers", List.of(dhl, ups), "checkpoint", namespace + "neo4j", "locks", locks);
    }

    private static <T> List<T> concat(List<T> first, List<T> second) {
        List<T> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private static final String TEST_NODES = """
            CALL {
              UNWIND $customers AS id MATCH (n:Customer {id: id}) RETURN n
              UNION UNWIND $orders AS id MATCH (n:Order {id: id}) RETURN n
              UNION UNWIND $products AS name MATCH (n:Product {name: name}) RETURN n
              UNION UNWIND $tracking AS number MATCH (n:Shipment {trackingNumber: number}) RETURN n
              UNION UNWIND $carriers AS name MATCH (n:Carrier {name: name}) RETURN n
            }
            """;

    private Map<String, Long> nodeCounts() {
        Map<String, Long> counts = new TreeMap<>();
        try (Session session = driver.session()) {
            session.run(TEST_NODES + "RETURN labels(n)[0] AS label, count(*) AS count", ids())
                    .forEachRemaining(r -> counts.put(r.get("label").asString(), r.get("count").asLong()));
        }
        return counts;
    }

    private Map<String, Long> relationshipCounts() {
        Map<String, Long> counts = new TreeMap<>();
        try (Session session = driver.session()) {
            session.run(TEST_NODES + "MATCH (n)-[r]->() RETURN type(r) AS type, count(*) AS count", ids())
                    .forEachRemaining(r -> counts.put(r.get("type").asString(), r.get("count").asLong()));
        }
        return counts;
    }

    /** Every node and outgoing relationship of the test's ids, with all properties, as sorted lines. */
    private List<String> snapshot() {
        List<String> lines = new ArrayList<>();
        try (Session session = driver.session()) {
            session.run(TEST_NODES + "RETURN labels(n) AS labels, properties(n) AS props", ids())
                    .forEachRemaining(r -> lines.add(r.get("labels").asList() + " " + new TreeMap<>(r.get("props").asMap())));
            session.run(TEST_NODES + """
                    MATCH (n)-[r]->(m)
                    RETURN properties(n) AS from, type(r) AS type, properties(r) AS props, properties(m) AS to
                    """, ids()).forEachRemaining(r -> lines.add(new TreeMap<>(r.get("from").asMap()) + " -" + r.get("type").asString()
                    + new TreeMap<>(r.get("props").asMap()) + "-> " + new TreeMap<>(r.get("to").asMap())));
        }
        lines.sort(null);
        return lines;
    }

    private Map<String, Object> properties(String cypher, String id) {
        try (Session session = driver.session()) {
            Map<String, Object> properties = new TreeMap<>(session.run(cypher, Map.of("id", id)).single().get("n").asMap());
            properties.replaceAll((k, v) -> v instanceof ZonedDateTime zoned ? zoned.toInstant() : v);
            return properties;
        }
    }
}
