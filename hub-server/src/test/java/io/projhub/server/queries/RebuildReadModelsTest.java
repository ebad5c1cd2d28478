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

/**
 * Admin rebuild: each read model is rebuilt from the log beside its live build, which keeps answering exactly what it
 * held the whole time; queries switch to the new build once it has caught up, and it answers the same.
 */
class RebuildReadModelsTest extends HubTestBase {

    private static final List<String> READ_MODELS = List.of("order-details", "order-search", "order-stats", "order-graph", "order-lifecycle");

    @Autowired
    CustomerCommands customers;

    @Autowired
    OrderCommands orders;

    @Test
    void aRebuildFillsBesideTheLiveBuildWhichAnswersUntilTheNewOneHasCaughtUpAndGivesBackExactlyWhatItHeld()
            throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String carrier = "Rebuild" + run;
        String customer = customers.register(new RegisterCustomer(null, "Rebuild " + run, run + "@example.com"),
                CommandContext.none()).streamId();
        String first = orders.create(new CreateOrder(null, customer, "EUR",
                List.of(new CreateOrder.Item("Part" + run, new BigDecimal("4.50"), 2))), CommandContext.none()).streamId();
        orders.create(new CreateOrder(null, customer, "EUR",
                List.of(new CreateOrder.Item("Part" + run, new BigDecimal("1.00"), 1))), CommandContext.none());
        AppendResult shipped = orders.ship(new ShipOrder(first, "TRK-" + run, carrier), CommandContext.none());
        String token = shipped.position().token();

        Map<String, String> before = answers(customer, first, carrier, token);
        Map<String, Integer> generations = generations();

        assertThat(post("/api/admin/read-models/order-stats/rebuild", "").statusCode()).isEqualTo(401);
        assertThat(post("/api/admin/read-models/nosuchstore/rebuild", "", admin()).statusCode()).isEqualTo(404);
        Map<String, String> lanes = new LinkedHashMap<>();
        for (String readModel : READ_MODELS) {
            var response = post("/api/admin/read-models/" + readModel + "/rebuild", "", admin());
            assertThat(response.statusCode()).as(readModel + ": " + response.body()).isEqualTo(202);
            lanes.put(readModel, json(response).path("lane").asString());
        }
        for (String readModel : READ_MODELS) {
            assertThat(lanes.get(readModel)).isEqualTo(readModel + "~v" + version(readModel) + "r"
                    + (generations.get(readModel) + 1));
        }
        // A second rebuild while one runs is refused, naming the running build's lane (on a short log the first may
        // already have caught up and been switched to: then the second is the next build, and the wait below is for
        // that one).
        var again = post("/api/admin/read-models/order-stats/rebuild", "", admin());
        if (again.statusCode() == 202) {
            assertThat(generation("order-stats")).as("the first build was switched to (the second may be too)")
                    .isBetween(generations.get("order-stats") + 1, generations.get("order-stats") + 2);
            generations.put("order-stats", generations.get("order-stats") + 1);
        } else {
            assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
            assertThat(again.body()).contains(lanes.get("order-stats"));
        }

        // Until every new build has been switched to, the live builds answer exactly what they held (checked
        // every quarter second, failing at once): no query sees a read model filling up again.
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (!generations().equals(next(generations))) {
            assertThat(answers(customer, first, carrier, token)).as("answered while rebuilding").isEqualTo(before);
            assertThat(System.nanoTime()).as("every rebuild switched within 4 minutes: " + generations())
                    .isLessThan(deadline);
            Thread.sleep(250);
        }
        assertThat(answers(customer, first, carrier, token)).isEqualTo(before);
        for (String lane : lanes.values()) {
            assertThat(get("/api/read-models/" + lane).statusCode()).as(lane + " is no longer a lane of its own")
                    .isEqualTo(404);
            // Verified cutover: the build was switched to after a clean version audit of it.
            JsonNode audits = json(get("/api/audits?readModel=" + lane));
            assertThat(audits.size()).as(lane + ": " + audits).isPositive();
            assertThat(audits.get(0).path("trigger").asString()).isEqualTo("cutover");
            assertThat(audits.get(0).path("clean").asBoolean()).as(audits.get(0).toString()).isTrue();
        }
        // A write after the switch reaches the new builds.
        String later = orders.ship(new ShipOrder(
                orders.create(new CreateOrder(null, customer, "EUR", List.of(new CreateOrder.Item("Part" + run,
                        new BigDecimal("2.00"), 1))), CommandContext.none()).streamId(), "TRK2-" + run, carrier),
                CommandContext.none()).position().token();
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(json(get("/api/orders/search?customerId="
                + customer, ConsistencyGate.TOKEN_HEADER, later)).path("total").asLong()).isEqualTo(3));
    }

    private Map<String, Integer> generations() throws Exception {
        Map<String, Integer> generations = new LinkedHashMap<>();
        for (String readModel : READ_MODELS) {
            generations.put(readModel, generation(readModel));
        }
        return generations;
    }

    private static Map<String, Integer> next(Map<String, Integer> generations) {
        Map<String, Integer> next = new LinkedHashMap<>();
        generations.forEach((readModel, generation) -> next.put(readModel, generation + 1));
        return next;
    }

    private int generation(String readModel) throws Exception {
        return json(get("/api/read-models/" + readModel)).path("generation").asInt();
    }

    private int version(String readModel) throws Exception {
        return json(get("/api/read-models/" + readModel)).path("version").asInt();
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
