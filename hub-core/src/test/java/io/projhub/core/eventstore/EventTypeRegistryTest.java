package io.projhub.core.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.domain.order.OrderCreated;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class EventTypeRegistryTest {

    record Renamed(String fullName) {
    }

    private static Upcaster upcaster(String type, int from, java.util.function.UnaryOperator<JsonNode> change) {
        return new Upcaster() {
            @Override
            public String eventType() {
                return type;
            }

            @Override
            public int fromSchemaVersion() {
                return from;
            }

            @Override
            public JsonNode upcast(JsonNode data) {
                return change.apply(data);
            }
        };
    }

    @Test
    void upcastersApplyInChainFromTheStoredVersionToTheCurrentOne() {
        EventTypeRegistry registry = EventTypeRegistry.builder()
                .register("Renamed", 3, Renamed.class)
                .upcaster(upcaster("Renamed", 1, d -> ((ObjectNode) d).put("name", d.get("n").stringValue())))
                .upcaster(upcaster("Renamed", 2, d -> ((ObjectNode) d).put("fullName", d.get("name").stringValue())))
                .build();
        ObjectNode v1 = registry.mapper().createObjectNode().put("n", "Ada");

        JsonNode current = registry.upcast("Renamed", 1, v1);

        assertThat(current.get("fullName").stringValue()).isEqualTo("Ada");
        assertThat(v1.has("fullName")).as("the stored data is not changed").isFalse();
        assertThat(registry.upcast("Renamed", 3, current)).isSameAs(current);
    }

    @Test
    void aRegistryWithAGapInAnUpcasterChainIsRefused() {
        EventTypeRegistry.Builder builder = EventTypeRegistry.builder()
                .register("Renamed", 3, Renamed.class)
                .upcaster(upcaster("Renamed", 2, d -> d));
        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("v1");
    }

    @Test
    void anUpcasterForAnUnknownTypeOrAnUnknownVersionIsRefused() {
        assertThatThrownBy(() -> EventTypeRegistry.builder().upcaster(upcaster("Nope", 1, d -> d)).build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> EventTypeRegistry.builder().register("Renamed", 1, Renamed.class)
                .upcaster(upcaster("Renamed", 1, d -> d)).build())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void unregisteredTypesPassThroughAsStored() {
        EventTypeRegistry registry = EventTypeRegistry.empty();
        ObjectNode data = registry.mapper().createObjectNode().put("x", 1);
        assertThat(registry.currentSchemaVersion("SomethingElse")).isEqualTo(1);
        assertThat(registry.upcast("SomethingElse", 1, data)).isSameAs(data);
        assertThat(registry.bindingProblem("SomethingElse", data)).isEmpty();
    }

    @Test
    void domainEventsRoundTripThroughJsonKeepingTheScaleOfMoney() {
        EventTypeRegistry registry = DomainEventTypes.registry();
        OrderCreated created = new OrderCreated("order-1", "customer-1", "Ada", "EUR",
                java.util.List.of(new io.projhub.core.domain.order.OrderItem("book", new BigDecimal("10.50"), 2)),
                new BigDecimal("21.00"), Instant.parse("2026-01-02T03:04:05.678Z"));

        NewEvent event = registry.toNewEvent(created, EventMetadata.EMPTY);
        JsonNode reread = registry.mapper().readTree(registry.mapper().writeValueAsString(event.data()));
        RecordedEvent recorded = new RecordedEvent(1, 1, "order-1", "order", 1, event.type(),
                OrderCreated.SCHEMA_VERSION, reread, EventMetadata.EMPTY, Instant.now());

        assertThat(event.type()).isEqualTo("OrderCreated");
        assertThat(registry.toObject(recorded)).isEqualTo(created);
        assertThat(((OrderCreated) registry.toObject(recorded)).totalAmount().toPlainString()).isEqualTo("21.00");
    }

    @Test
    void dataThatDoesNotBindToARegisteredTypeIsNamedAsAProblem() {
        EventTypeRegistry registry = DomainEventTypes.registry();
        ObjectNode data = registry.mapper().createObjectNode().put("items", "not a list");
        assertThat(registry.bindingProblem("OrderCreated", data)).isPresent();
    }
}
