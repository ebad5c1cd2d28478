package io.projhub.definitions;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.domain.order.OrderCancelled;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.domain.order.OrderItem;
import io.projhub.core.domain.order.OrderShipped;
import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.definitions.changes.Change;
import io.projhub.definitions.changes.CounterChange;
import io.projhub.definitions.changes.DocumentChange;
import io.projhub.definitions.changes.FieldOp;
import io.projhub.definitions.changes.RelationshipChange;
import io.projhub.definitions.changes.RowChange;
import io.projhub.definitions.changes.SortedSetChange;

/** The order read models of the repository's definition folder, compiled and run on the order domain's events. */
class OrderDefinitionsTest {

    private static final Path SHIPPED = Path.of("..", "read-models");
    private static final Instant CREATED_AT = Instant.parse("2026-12-07T10:00:00.123Z");

    private final EventTypeRegistry registry = DomainEventTypes.registry();

    private ReadModelProgram shipped(String name) throws Exception {
        return new DefinitionLoader().loadDirectory(SHIPPED).stream()
                .filter(p -> p.definition().name().equals(name)).findFirst().orElseThrow();
    }

    private RecordedEvent event(long version, Object domainEvent) {
        NewEvent event = registry.toNewEvent(domainEvent, EventMetadata.of("corr-1", null, null));
        return new RecordedEvent(100 + version, 7, "order-1", "order", version, event.type(), 2,
                event.data(), EventMetadata.of("corr-1", null, null), CREATED_AT);
    }

    private RecordedEvent created() {
        return event(1, new OrderCreated("order-1", "customer-1", "Ada", "EUR",
                List.of(new OrderItem("Widget", new BigDecimal("2.50"), 2), new OrderItem("Widget", new BigDecimal("1.00"), 1),
                        new OrderItem("Gadget", new BigDecimal("10.00"), 1)),
                new BigDecimal("16.00"), CREATED_AT));
    }

    @Test
    void orderDetailsNumberTheItemLinesFromOne() throws Exception {
        List<Change> changes = shipped("order-details").changes(created());
        assertThat(changes).filteredOn(RowChange.class::isInstance).extracting(c -> ((RowChange) c).key())
                .containsExactly(Map.of("line_no", 1L), Map.of("line_no", 2L), Map.of("line_no", 3L));
        assertThat(changes.get(3)).isEqualTo(new RowChange("order_items", "order-1", Map.of("line_no", 3L),
                Map.of("name", "Gadget", "price", new BigDecimal("10.0000"), "quantity", 1L), false));
    }

    @Test
    void orderSearchKeepsEachItemNameOnce() throws Exception {
        DocumentChange doc = (DocumentChange) shipped("order-search").changes(created()).get(0);
        assertThat(doc.ops()).contains(new FieldOp.Set("itemNames", List.of("Widget", "Gadget")),
                new FieldOp.Set("totalAmount", new BigDecimal("16.0000")), new FieldOp.Set("createdAt", CREATED_AT));
    }

    @Test
    void orderStatsMoveTheStatusCounterAndTakeBackTheRevenueOfACancelledOrder() throws Exception {
        ReadModelProgram stats = shipped("order-stats");
        assertThat(stats.changes(created(), Map.of())).contains(new CounterChange("created", 1L, 0),
                new CounterChange("revenue:EUR", new BigDecimal("16.0000"), 4),
                new SortedSetChange("recent", "order-1", CREATED_AT.toEpochMilli(), false, false, 1000));
        Map<String, Object> doc = Map.of("status", "CREATED", "currency", "EUR", "total", new BigDecimal("16.0000"));
        assertThat(stats.changes(event(2, new OrderCancelled("order-1", "changed mind", CREATED_AT)), doc))
                .contains(new CounterChange("status:CREATED", -1L, 0), new CounterChange("status:CANCELLED", 1L, 0),
                        new CounterChange("revenue:EUR", new BigDecimal("-16.0000"), 4));
        assertThat(stats.changes(event(2, new OrderShipped("order-1", "TRK-1", "DHL", CREATED_AT, 5)), doc))
                .contains(new CounterChange("status:CREATED", -1L, 0), new CounterChange("status:SHIPPED", 1L, 0));
    }

    /** An OrderCreated read as stored because its upcast failed (schema 1: no currency, no total, no names). */
    @Test
    void anOrderCreatedWithoutItsFieldsFailsInEveryOrderReadModel() throws Exception {
        var data = tools.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("orderId", "order-1")
                .put("customerId", "nobody");
        data.putArray("items").addObject().put("name", "x").put("price", "abc").put("quantity", 1);
        RecordedEvent asStored = new RecordedEvent(101, 7, "order-1", "order", 1, "OrderCreated", 1, data,
                EventMetadata.of("corr-1", null, null), CREATED_AT);
        for (String name : List.of("order-details", "order-search", "order-stats")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> shipped(name).changes(asStored, Map.of()))
                    .as(name).isInstanceOf(ChangeFailure.class);
        }
    }

    @Test
    void orderGraphLinksTheCustomerToTheOrderAndEachLineToItsProduct() throws Exception {
        List<Change> changes = shipped("order-graph").changes(created());
        assertThat(changes).contains(new RelationshipChange("Customer", "customer-1", "PLACED", "Order", "order-1",
                Map.of(), Map.of(), Map.of(), List.of(), false));
        assertThat(changes).filteredOn(c -> c instanceof RelationshipChange r && r.type().equals("CONTAINS"))
                .extracting(c -> ((RelationshipChange) c).toKey() + "#" + ((RelationshipChange) c).properties().get("line"))
                .containsExactly("Widget#1", "Widget#2", "Gadget#3");
        List<Change> shipped = shipped("order-graph").changes(event(2, new OrderShipped("order-1", "TRK-1", "DHL",
                CREATED_AT, 5)));
        assertThat(shipped).contains(new RelationshipChange("Shipment", "TRK-1", "VIA", "Carrier", "DHL", Map.of(),
                Map.of(), Map.of(), List.of(), false));
    }
}
