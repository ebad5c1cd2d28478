package io.projhub.server.queries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import io.projhub.core.domain.CommandContext;
import io.projhub.core.domain.customer.CustomerCommands;
import io.projhub.core.domain.customer.RegisterCustomer;
import io.projhub.core.domain.order.CreateOrder;
import io.projhub.core.domain.order.OrderCommands;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.server.HubTestBase;
import io.projhub.server.projection.ReadModel;
import io.projhub.server.projection.ReadModels;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Regression (issue 14, part 1), end to end in the real hub over the five real stores: an order's OrderShipped that
 * no read model can map used to be dead-lettered while its OrderCancelled was applied, so Redis, Neo4j and the others
 * held a cancelled order that never shipped, a later replay of the OrderShipped was a no-op behind the version
 * guard, and the monitor called the stream consistent. Now the OrderCancelled is parked behind the dead letter in
 * every lane, the order's key queries answer stale, searches say how many streams are held back, DEAD_LETTERS fires
 * until the chain is replayed (after the fix) or skipped (by an admin, with a reason), and then every store's applied
 * version of the stream reaches the log's.
 */
class SequencedDeadLettersTest extends HubTestBase {

    private static final List<String> LANES = List.of("order-search", "order-stats", "order-graph", "order-lifecycle", "order-details");

    @Autowired
    CustomerCommands customers;

    @Autowired
    OrderCommands orders;

    @Autowired
    EventStore store;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ReadModels readModels;

    @Test
    void laterEventsOfAStreamWaitBehindItsDeadLetterUntilItIsReplayedOrSkipped() throws Exception {
        Map<String, Long> openBefore = openDeadLetters();
        AppendResult customer = customers.register(new RegisterCustomer(null, "Edsger Dijkstra", "ewd@example.com"),
                CommandContext.none());
        AppendResult created = orders.create(new CreateOrder(null, customer.streamId(), "EUR",
                List.of(new CreateOrder.Item("Semaphore", new BigDecimal("12.50"), 2))), CommandContext.none());
        String order = created.streamId();
        // v2: an OrderShipped no projector can map; v3: a valid OrderCancelled appended after it.
        jdbc.update("insert into events (stream_id, stream_type, version, event_type, schema_version, data) "
                + "values (?, 'order', 2, 'OrderShipped', 1, ?::jsonb)", order,
                "{\"orderId\": \"" + order + "\", \"trackingNumber\": {\"not\": \"text\"}, \"carrier\": [1], "
                        + "\"shippedAt\": \"yesterday\"}");
        AppendResult cancelled = store.append(order, "order", ExpectedVersion.exact(2), List.of(new NewEvent(
                "OrderCancelled", JsonNodeFactory.instance.objectNode().put("orderId", order)
                        .put("reason", "customer changed their mind").put("cancelledAt", Instant.now().toString()))));

        await().atMost(Duration.ofSeconds(90)).untilAsserted(() ->
                assertThat(chain(order)).hasSize(2 * LANES.size()));
        List<JsonNode> letters = chain(order);
        Map<String, Long> heads = new java.util.HashMap<>();
        for (JsonNode letter : letters) {
            if (letter.path("version").asLong() == 2) {
                assertThat(letter.path("status").asString()).isEqualTo("PENDING");
                heads.put(letter.path("lane").asString(), letter.path("id").asLong());
            } else {
                assertThat(letter.path("version").asLong()).isEqualTo(3);
                assertThat(letter.path("status").asString()).isEqualTo("PARKED");
            }
        }
        assertThat(heads.keySet()).containsExactlyInAnyOrderElementsOf(LANES);
        for (JsonNode parked : letters) {
            if (parked.path("status").asString().equals("PARKED")) {
                assertThat(parked.path("parkedBehind").asLong()).isEqualTo(heads.get(parked.path("lane").asString()));
            }
        }

        // No store applied the OrderCancelled: each stays at version 1, and says so.
        for (ReadModel model : readModels.all()) {
            if (!model.projector().eventTypes().contains("OrderCancelled")) {
                continue; // the accounts' read models never see orders
            }
            assertThat(model.probe().appliedVersion(order)).as(model.name()).isEqualTo(1);
        }
        HttpResponse<String> details = get("/api/orders/" + order);
        assertThat(details.statusCode()).isEqualTo(200);
        assertThat(json(details).path("status").asString()).isEqualTo("CREATED");
        assertThat(details.headers().firstValue(ConsistencyGate.CONSISTENCY_HEADER)).hasValue("stale");
        assertThat(details.headers().firstValue(ReadModelResponses.PARKED_HEADER)).hasValue("1");
        HttpResponse<String> graph = get("/api/orders/" + order + "/graph", ConsistencyGate.TOKEN_HEADER,
                cancelled.position().token());
        assertThat(graph.headers().firstValue(ConsistencyGate.CONSISTENCY_HEADER)).hasValue("stale");
        // A search over many streams waits for the token as usual and only says how many streams are held back.
        HttpResponse<String> search = get("/api/orders/search?q=Semaphore", ConsistencyGate.TOKEN_HEADER,
                cancelled.position().token());
        assertThat(search.statusCode()).isEqualTo(200);
        assertThat(search.headers().firstValue(ConsistencyGate.CONSISTENCY_HEADER)).hasValue("consistent");
        assertThat(search.headers().firstValue(ReadModelResponses.PARKED_HEADER).map(Long::parseLong))
                .hasValueSatisfying(n -> assertThat(n).isGreaterThanOrEqualTo(1));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(firingDeadLetterAlerts()).containsAll(LANES));

        // A parked event is not replayed on its own; a skip needs a reason and an admin.
        long parkedId = letters.stream().filter(l -> l.path("status").asString().equals("PARKED")).findFirst()
                .orElseThrow().path("id").asLong();
        assertThat(post("/api/admin/dead-letters/" + parkedId + "/replay", "", admin()).statusCode()).isEqualTo(409);
        long jdbcHead = heads.get("order-details");
        assertThat(post("/api/admin/dead-letters/" + jdbcHead + "/skip", "{\"reason\": \"\"}", admin()).statusCode())
                .isEqualTo(400);
        assertThat(post("/api/admin/dead-letters/" + jdbcHead + "/skip", "{\"reason\": \"x\"}").statusCode())
                .isEqualTo(401);

        // The fix is deployed (here: the event's data corrected) and three lanes replay; two lanes' admins skip.
        jdbc.update("update events set data = ?::jsonb where stream_id = ? and version = 2",
                "{\"orderId\": \"" + order + "\", \"trackingNumber\": \"TRK-7\", \"carrier\": \"DHL\", "
                        + "\"shippedAt\": \"" + Instant.now() + "\", \"processingTimeMs\": 1000}", order);
        List<String> skipped = List.of("order-graph", "order-lifecycle");
        for (String lane : LANES) {
            HttpResponse<String> resolved = skipped.contains(lane)
                    ? post("/api/admin/dead-letters/" + heads.get(lane) + "/skip",
                    "{\"reason\": \"shipment recorded by hand\"}", admin())
                    : post("/api/admin/dead-letters/" + heads.get(lane) + "/replay", "", admin());
            assertThat(resolved.statusCode()).as(lane + ": " + resolved.body()).isEqualTo(200);
            assertThat(json(resolved).path("status").asString()).isEqualTo(skipped.contains(lane) ? "SKIPPED" : "REPLAYED");
        }

        assertThat(chain(order)).allSatisfy(l -> assertThat(l.path("status").asString()).isIn("REPLAYED", "SKIPPED"));
        for (ReadModel model : readModels.all()) {
            if (!model.projector().eventTypes().contains("OrderCancelled")) {
                continue; // the accounts' read models never see orders
            }
            assertThat(model.probe().appliedVersion(order)).as(model.name()).isEqualTo(3);
        }
        HttpResponse<String> after = get("/api/orders/" + order, ConsistencyGate.TOKEN_HEADER,
                cancelled.position().token());
        assertThat(json(after).path("status").asString()).isEqualTo("CANCELLED");
        assertThat(after.headers().firstValue(ConsistencyGate.CONSISTENCY_HEADER)).hasValue("consistent");
        assertThat(after.headers().firstValue(ReadModelResponses.PARKED_HEADER)).isEmpty();
        // Each lane is back to the dead letters it had before; the DEAD_LETTERS alert resolves where that was none.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(openDeadLetters()).isEqualTo(openBefore));
        // (Lanes that held other dead letters before keep their alert: SubscriberHealthAlertsTest covers the rule.)
        List<String> clean = LANES.stream().filter(lane -> openBefore.getOrDefault(lane, 0L) == 0).toList();
        if (!clean.isEmpty()) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(firingDeadLetterAlerts()).doesNotContainAnyElementsOf(clean));
        }
    }

    private Map<String, Long> openDeadLetters() throws Exception {
        Map<String, Long> open = new java.util.HashMap<>();
        for (JsonNode lane : json(get("/api/lanes")).path("lanes")) {
            open.put(lane.path("name").asString(), lane.path("deadLetters").asLong());
        }
        return open;
    }

    private List<JsonNode> chain(String order) throws Exception {
        List<JsonNode> letters = new ArrayList<>();
        json(get("/api/dead-letters?streamId=" + order + "&limit=100")).forEach(letters::add);
        return letters;
    }

    private List<String> firingDeadLetterAlerts() throws Exception {
        List<String> lanes = new ArrayList<>();
        json(get("/api/alerts?status=FIRING&limit=1000")).forEach(a -> {
            if (a.path("kind").asString().equals("DEAD_LETTERS")) {
                lanes.add(a.path("readModel").asString());
            }
        });
        return lanes;
    }
}
