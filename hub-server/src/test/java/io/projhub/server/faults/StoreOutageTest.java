package io.projhub.server.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.projhub.core.domain.CommandContext;
import io.projhub.core.domain.customer.CustomerCommands;
import io.projhub.core.domain.customer.RegisterCustomer;
import io.projhub.core.domain.order.CreateOrder;
import io.projhub.core.domain.order.OrderCommands;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.server.HubTestBase;
import io.projhub.server.TestAlertReceiver;
import io.projhub.server.queries.ConsistencyGate;
import io.projhub.testsupport.LocalStoreControl;
import tools.jackson.databind.JsonNode;

/** Redis really stopped: its lane retries, the other read models stay current, and after restart it is exact. */
class StoreOutageTest extends HubTestBase {

    private static final int ORDERS = 20;

    @Autowired
    CustomerCommands customers;

    @Autowired
    OrderCommands orders;

    @Test
    void aStoppedStoreStallsOnlyItsLaneAndCatchesUpExactlyWhenItIsBack() throws Exception {
        LocalStoreControl stores = LocalStoreControl.find();
        String run = UUID.randomUUID().toString().substring(0, 8);
        AppendResult customer = customers.register(new RegisterCustomer(null, "Outage " + run, run + "@example.com"),
                CommandContext.none());
        long totalBefore = json(get("/api/stats/orders", ConsistencyGate.TOKEN_HEADER, customer.position().token()))
                .path("total").asLong();

        stores.stop("redis");
        String lastOrderId;
        try {
            AppendResult last = null;
            for (int i = 0; i < ORDERS; i++) {
                last = orders.create(new CreateOrder(null, customer.streamId(), "EUR",
                        List.of(new CreateOrder.Item("Outage" + run, new BigDecimal("1.00"), 1))), CommandContext.none());
            }
            String token = last.position().token();
            lastOrderId = last.streamId();
            String lastId = last.streamId();

            // The other read models answer consistently while Redis is down (a loaded machine may need more than one
            // consistency wait for Elasticsearch to reach the token, so the query is asked again).
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HttpResponse<String> search = get("/api/orders/search?customerId=" + customer.streamId(),
                        ConsistencyGate.TOKEN_HEADER, token);
                assertThat(search.headers().firstValue(ConsistencyGate.CONSISTENCY_HEADER)).hasValue("consistent");
                assertThat(json(search).path("total").asLong()).isEqualTo(ORDERS);
                assertThat(get("/api/orders/" + lastId, ConsistencyGate.TOKEN_HEADER, token).statusCode())
                        .isEqualTo(200);
                assertThat(get("/api/orders/" + lastId + "/graph", ConsistencyGate.TOKEN_HEADER, token)
                        .statusCode()).isEqualTo(200);
            });

            // Redis's lane retries; its queries say its store is unavailable instead of failing obscurely.
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(lane("redis").path("state").asString()).isEqualTo("RETRYING"));
            for (String other : List.of("jdbc", "elasticsearch", "neo4j", "influxdb")) {
                assertThat(lane(other).path("state").asString()).as(other).isIn("LIVE", "CATCHING_UP");
            }
            assertThat(get("/api/stats/orders").statusCode()).isEqualTo(503);
            assertThat(json(get("/actuator/health")).path("components").path("redis").path("status").asString())
                    .isEqualTo("DOWN");

            // After the monitor's attempts, one FIRING alert per behind stream reaches on-call, for Redis only.
            String lastOrder = last.streamId();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(firing()).anySatisfy(a -> assertThat(a.path("key").asString()).isEqualTo("redis:" + lastOrder)));
            assertThat(firing()).filteredOn(a -> a.path("streamId").asString().equals(lastOrder))
                    .extracting(a -> a.path("readModel").asString()).containsExactly("redis");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(deliveries("redis:" + lastOrder, "FIRING")).isEqualTo(1));
            JsonNode consistency = json(get("/api/consistency"));
            for (JsonNode model : consistency.path("readModels")) {
                if (!model.path("name").asString().equals("redis")) {
                    assertThat(model.path("lagEvents").asLong()).as("lag of %s", model.path("name").asString())
                            .isLessThan(ORDERS);
                }
            }
        } finally {
            stores.start("redis");
        }

        AppendResult afterOutage = customers.register(new RegisterCustomer(null, "After " + run, "a" + run + "@example.com"),
                CommandContext.none());
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            HttpResponse<String> stats = get("/api/stats/orders", ConsistencyGate.TOKEN_HEADER, afterOutage.position().token());
            assertThat(stats.statusCode()).isEqualTo(200);
            assertThat(json(stats).path("total").asLong()).isEqualTo(totalBefore + ORDERS);
        });
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(lane("redis").path("state").asString()).isEqualTo("LIVE"));

        // The alerts resolve by themselves once Redis has the streams, and the resolution is sent once.
        String key = "redis:" + lastOrderId;
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(firing()).noneSatisfy(a -> assertThat(a.path("key").asString()).isEqualTo(key));
            assertThat(deliveries(key, "RESOLVED")).isEqualTo(1);
        });
        assertThat(deliveries(key, "FIRING")).isEqualTo(1);
        for (String other : List.of("jdbc:", "elasticsearch:", "neo4j:", "influxdb:")) {
            assertThat(TestAlertReceiver.get().received()).noneSatisfy(d ->
                    assertThat(d.path("alert").path("key").asString()).isEqualTo(other + lastOrderId));
        }
    }

    private List<JsonNode> firing() throws Exception {
        List<JsonNode> alerts = new java.util.ArrayList<>();
        json(get("/api/alerts?status=FIRING&limit=1000")).forEach(alerts::add);
        return alerts;
    }

    private static long deliveries(String key, String transition) {
        return TestAlertReceiver.get().received().stream()
                .filter(d -> d.path("alert").path("key").asString().equals(key))
                .filter(d -> d.path("transition").asString().equals(transition))
                .count();
    }

    private JsonNode lane(String name) throws Exception {
        for (JsonNode lane : json(get("/api/lanes")).path("lanes")) {
            if (lane.path("name").asString().equals(name)) {
                return lane;
            }
        }
        throw new AssertionError("no lane " + name);
    }
}
