package io.projhub.projectors.neo4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.Driver;

import io.projhub.core.domain.customer.CustomerDeactivated;
import io.projhub.core.domain.customer.CustomerRegistered;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.domain.order.OrderItem;
import io.projhub.core.projection.EventBatch;
import io.projhub.projectors.testing.OrderEventLog;
import io.projhub.projectors.testing.ShippedDefinitions;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

/**
 * The order graph of read-models/order-graph.yaml in a real Neo4j, read through the order API's queries: a customer
 * node its own stream sets, PLACED from it, a CONTAINS relationship per line (two lines of one product stay two),
 * SHIPPED_BY and VIA between nodes that are not documents; a replay adds nothing.
 */
@RealStores
class Neo4jOrderGraphTest {

    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    private final String namespace = "og" + UUID.randomUUID().toString().substring(0, 8);
    private final String customer = "customer-" + UUID.randomUUID();
    private final String order = "order-" + UUID.randomUUID();
    private final String other = "order-" + UUID.randomUUID();
    private Driver driver;
    private Neo4jDefinedReadModel graph;
    private Neo4jGraphQueries queries;

    @BeforeEach
    void connect(StoreEndpoints stores) {
        driver = Neo4jConnector.connect(stores.neo4jUri(), stores.neo4jUser(), stores.neo4jPassword());
        graph = new Neo4jDefinedReadModel(driver, namespace, ShippedDefinitions.program("order-graph"));
        queries = new Neo4jGraphQueries(driver, graph);
    }

    @AfterEach
    void dropTheGraph() throws Exception {
        try {
            graph.drop();
        } finally {
            driver.close();
        }
    }

    private OrderEventLog log() {
        OrderEventLog log = new OrderEventLog(1);
        log.append(customer, "customer", new CustomerRegistered(customer, "Ada Lovelace", "ada@example.org", T0), T0);
        log.append(order, "order", new OrderCreated(order, customer, "Ada Lovelace", "EUR",
                List.of(new OrderItem("Widget", new BigDecimal("2.50"), 2), new OrderItem("Widget",
                        new BigDecimal("1.00"), 1), new OrderItem("Gadget", new BigDecimal("10.00"), 1)),
                new BigDecimal("16.00"), T0.plusSeconds(1)), T0.plusSeconds(1));
        log.created(other, customer, "Ada Lovelace", "EUR", "3.00", T0.plusSeconds(2), "Gadget");
        log.shipped(order, "DHL", "TRK-" + order, T0.plusSeconds(60), 59_000);
        log.append(customer, "customer", new CustomerDeactivated(customer, "moved away", T0.plusSeconds(90)),
                T0.plusSeconds(90));
        return log;
    }

    @Test
    void anOrdersGraphHasItsCustomerItsLinesItsShipmentAndCarrier() throws Exception {
        OrderEventLog log = log();
        graph.projector().apply(new EventBatch(log.events(), log.head()));

        GraphView view = queries.orderGraph(order).orElseThrow();
        assertThat(view.nodes().get(0).id()).isEqualTo("Order:" + order);
        assertThat(view.nodes().get(0).properties()).containsEntry("id", order).containsEntry("status", "SHIPPED")
                .containsEntry("total", "16.00").containsEntry("currency", "EUR").containsEntry("version", 2L)
                .doesNotContainKeys("key", Neo4jDefinedReadModel.MARKER);
        assertThat(view.nodes()).extracting(GraphNode::id).containsExactly("Order:" + order, "Carrier:DHL",
                "Customer:" + customer, "Product:Gadget", "Product:Widget", "Shipment:TRK-" + order);
        assertThat(view.nodes()).filteredOn(n -> n.id().startsWith("Customer:")).singleElement()
                .satisfies(c -> assertThat(c.properties()).containsEntry("name", "Ada Lovelace")
                        .containsEntry("active", false).containsEntry("deactivationReason", "moved away"));
        assertThat(view.edges()).extracting(e -> e.from() + " " + e.type() + " " + e.to() + " " + e.properties())
                .containsExactly(
                        "Customer:" + customer + " PLACED Order:" + order + " {}",
                        "Order:" + order + " CONTAINS Product:Gadget {line=3, price=10.00, quantity=1}",
                        "Order:" + order + " CONTAINS Product:Widget {line=1, price=2.50, quantity=2}",
                        "Order:" + order + " CONTAINS Product:Widget {line=2, price=1.00, quantity=1}",
                        "Order:" + order + " SHIPPED_BY Shipment:TRK-" + order + " {}",
                        "Shipment:TRK-" + order + " VIA Carrier:DHL {}");

        GraphView customerGraph = queries.customerOrdersGraph(customer).orElseThrow();
        assertThat(customerGraph.edges()).filteredOn(e -> e.type().equals("PLACED")).hasSize(2);
        assertThat(graph.probe().appliedVersion(customer)).isEqualTo(2);
    }

    @Test
    void aReplayOrTheBatchInPiecesGivesTheSameGraph() throws Exception {
        OrderEventLog log = log();
        graph.projector().apply(new EventBatch(log.events(), log.head()));
        GraphView once = queries.customerOrdersGraph(customer).orElseThrow();

        graph.projector().apply(new EventBatch(log.events(), log.head(), true));
        assertThat(queries.customerOrdersGraph(customer).orElseThrow()).isEqualTo(once);

        graph.drop();
        graph = new Neo4jDefinedReadModel(driver, namespace, ShippedDefinitions.program("order-graph"));
        queries = new Neo4jGraphQueries(driver, graph);
        for (var event : log.events()) {
            graph.projector().apply(new EventBatch(List.of(event), event.logPosition()));
        }
        assertThat(queries.customerOrdersGraph(customer).orElseThrow()).isEqualTo(once);
        assertThat(queries.orderGraph("order-unknown")).isEmpty();
        assertThat(queries.customerOrdersGraph("customer-unknown")).isEmpty();
    }
}
