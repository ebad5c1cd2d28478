package io.projhub.server.queries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

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

class ReadYourWritesTest extends HubTestBase {

    @Autowired
    CustomerCommands customers;

    @Autowired
    OrderCommands orders;

    @Test
    void aQueryWithTheCommandsTokenSeesThatCommandsEffect() throws Exception {
        AppendResult customer = customers.register(new RegisterCustomer(null, "Grace Hopper", "grace@example.com"),
                CommandContext.none());
        AppendResult created = orders.create(new CreateOrder(null, customer.streamId(), "EUR",
                List.of(new CreateOrder.Item("Compiler", new BigDecimal("99.90"), 1))), CommandContext.none());
        AppendResult shipped = orders.ship(new ShipOrder(created.streamId(), "TRK-42", "UPS"), CommandContext.none());

        HttpResponse<String> response = get("/api/orders/" + created.streamId(),
                ConsistencyGate.TOKEN_HEADER, shipped.position().token());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue(ConsistencyGate.CONSISTENCY_HEADER)).hasValue("consistent");
        assertThat(response.headers().firstValue(ConsistencyGate.POSITION_HEADER)).isPresent();
        JsonNode order = json(response);
        assertThat(order.path("status").asString()).isEqualTo("SHIPPED");
        assertThat(order.path("customer").path("name").asString()).isEqualTo("Grace Hopper");
        assertThat(order.path("shipment").path("trackingNumber").asString()).isEqualTo("TRK-42");
        assertThat(order.path("items").get(0).path("price").decimalValue()).isEqualByComparingTo("99.90");
    }

    @Test
    void aMalformedTokenIsA400NamingTheHeader() throws Exception {
        HttpResponse<String> response = get("/api/orders/order-x", ConsistencyGate.TOKEN_HEADER, "not-a-token");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains(ConsistencyGate.TOKEN_HEADER);
    }

    @Test
    void anUnknownOrderIs404AndABadIdIs400() throws Exception {
        assertThat(get("/api/orders/order-does-not-exist").statusCode()).isEqualTo(404);
        assertThat(get("/api/orders/bad%20id").statusCode()).isEqualTo(400);
    }

    @Test
    void lanesReportTheRelationalViewLiveAndCurrent() throws Exception {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode lanes = json(get("/api/lanes"));
            JsonNode jdbc = null;
            for (JsonNode lane : lanes.path("lanes")) {
                if (lane.path("name").asString().equals("order-details")) {
                    jdbc = lane;
                }
            }
            assertThat(jdbc).isNotNull();
            assertThat(jdbc.path("state").asString()).isEqualTo("LIVE");
            assertThat(lanes.path("pollerHeartbeat").isNull()).isFalse();
        });
    }

    @Test
    void adminActionsNeedTheAdminPassword() throws Exception {
        assertThat(post("/api/admin/dead-letters/999999999/replay", "").statusCode()).isEqualTo(401);
        assertThat(post("/api/admin/dead-letters/999999999/replay", "", "Authorization", "Basic "
                + java.util.Base64.getEncoder().encodeToString("admin:wrong".getBytes())).statusCode()).isEqualTo(401);
        assertThat(post("/api/admin/dead-letters/999999999/replay", "", admin()).statusCode()).isEqualTo(400);
        assertThat(get("/api/dead-letters").statusCode()).as("reads stay open").isEqualTo(200);
    }
}
