package io.projhub.server.queries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.projhub.core.domain.CommandContext;
import io.projhub.core.domain.customer.CustomerCommands;
import io.projhub.core.domain.customer.RegisterCustomer;
import io.projhub.core.domain.order.CreateOrder;
import io.projhub.core.domain.order.OrderCommands;
import io.projhub.core.domain.order.ShipOrder;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.server.HubTestBase;
import tools.jackson.databind.JsonNode;

/** Admin rebuild: each read model is cleared in its store and rebuilt from the log to exactly what it held. */
class RebuildReadModelsTest extends HubTestBase {

    private static final List<String> READ_MODELS = List.of("order-details", "order-search", "order-stats", "order-graph", "order-lifecycle");

    @Autowired
    CustomerCommands customers;

    @Autowired
    OrderCommands orders;

    @Test
    void rebuildingEveryReadModelFromTheLogGivesBackExactlyWhatItHeld() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String carrier = "Rebuild" + run;
        String customer = customers.register(new RegisterCustomer(null, "Rebuild " + run, run + "@example.com"),
                CommandContext.none()).streamId();
        String first = orders.create(new CreateOrder(null, customer, "EUR",
                List.of(new CreateOrder.Item("Part" + run, new BigDecimal("4.50"), 2))), CommandContext.none()).streamId();
        orders.create(new CreateOrder(null, customer, "EUR",
                List.of(new CreateOrder.Item("Part" + run, new BigDecimal("1.00"), 1))), CommandContext.none());
        AppendResult shipped = orders.ship(new ShipOrder(first, "TRK-" + run, carrier), CommandContext.none());

        Map<String, String> before = answers(customer, first, carrier, shipped.position().token());
        Map<String, Long> appliedBefore = applied();

        assertThat(post("/api/admin/read-models/order-stats/rebuild", "").statusCode()).isEqualTo(401);
        assertThat(post("/api/admin/read-models/nosuchstore/rebuild", "", admin()).statusCode()).isEqualTo(404);
        for (String readModel : READ_MODELS) {
            var response = post("/api/admin/read-models/" + readModel + "/rebuild", "", admin());
            assertThat(response.statusCode()).as(readModel + ": " + response.body()).isEqualTo(202);
        }
        JsonNode lanes = json(get("/api/lanes")).path("lanes");
        assertThat(lanes.get(0).has("catchUpEtaSeconds")).as("the API carries the catch-up ETA").isTrue();

        // A fresh write's token: once every read model has reached it, each has replayed the whole log again.
        String after = customers.register(new RegisterCustomer(null, "After " + run, "after-" + run + "@example.com"),
                CommandContext.none()).position().token();
        await().atMost(Duration.ofMinutes(3)).untilAsserted(() ->
                assertThat(answers(customer, first, carrier, after)).isEqualTo(before));
        // And they were really replayed: each lane applied at least this test's three order events again
        // (without a rebuild it would have applied at most the one new customer event).
        Map<String, Long> appliedAfter = applied();
        for (String readModel : READ_MODELS) {
            assertThat(appliedAfter.get(readModel) - appliedBefore.get(readModel)).as(readModel).isGreaterThanOrEqualTo(3);
        }
    }

    private Map<String, Long> applied() throws Exception {
        Map<String, Long> applied = new LinkedHashMap<>();
        for (JsonNode lane : json(get("/api/lanes")).path("lanes")) {
            applied.put(lane.path("name").asString(), lane.path("appliedEvents").asLong());
        }
        return applied;
    }

    /** What each read model says about this test's orders, as text, read with a consistency token. */
    private Map<String, String> answers(String customer, String order, String carrier, String token) throws Exception {
        Map<String, String> answers = new LinkedHashMap<>();
        JsonNode details = json(get("/api/orders/" + order, ConsistencyGate.TOKEN_HEADER, token));
        answers.put("order-details", details.path("status").asString() + "/" + details.path("totalAmount").asString()
                + "/" + details.path("shipment").path("carrier").asString());
        JsonNode search = json(get("/api/orders/search?customerId=" + customer, ConsistencyGate.TOKEN_HEADER, token));
        answers.put("order-search", search.path("total").asLong() + "/" + search.path("aggregations").path("status"));
        JsonNode stats = json(get("/api/stats/orders", ConsistencyGate.TOKEN_HEADER, token));
        answers.put("order-stats", stats.path("total").asLong() + "/" + stats.path("byStatus") + "/" + stats.path("revenue"));
        JsonNode graph = json(get("/api/customers/" + customer + "/orders-graph", ConsistencyGate.TOKEN_HEADER, token));
        answers.put("order-graph", graph.path("nodes").size() + "/" + graph.path("edges").size());
        JsonNode lifecycle = json(get("/api/metrics/order-lifecycle?range=1d&groupBy=carrier",
                ConsistencyGate.TOKEN_HEADER, token));
        long count = -1;
        for (JsonNode group : lifecycle.path("groups")) {
            if (group.path("key").asString().equals(carrier)) {
                count = group.path("count").asLong();
            }
        }
        answers.put("order-lifecycle", String.valueOf(count));
        return answers;
    }
}
