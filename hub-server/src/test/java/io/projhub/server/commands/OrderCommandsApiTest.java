package io.projhub.server.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.projhub.core.eventstore.LogPosition;
import tools.jackson.databind.JsonNode;

class OrderCommandsApiTest extends ApiTestSupport {

    @Test
    void placingAnOrderAnswers201AndItsStateShowsTheLinesAndTotal() {
        String customer = newCustomer();

        Response response = postJson("/api/orders", """
                {"customerId": "%s", "currency": "EUR", "items": [
                  {"name": "Loom card", "price": 2.50, "quantity": 4},
                  {"name": "Brass gear", "price": "10", "quantity": 1}]}""".formatted(customer));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        String id = response.json().path("streamId").asString();
        assertThat(id).startsWith("order-");
        assertThat(response.json().path("version").asLong()).isEqualTo(1);
        assertThat(LogPosition.parse(response.json().path("position").asString())).isNotNull();
        assertThat(response.header("Location")).endsWith("/api/orders/" + id + "/state");

        JsonNode state = fetch("/api/orders/" + id + "/state").json();
        assertThat(state.path("status").asString()).isEqualTo("CREATED");
        assertThat(state.path("customerId").asString()).isEqualTo(customer);
        assertThat(state.path("customerName").asString()).isEqualTo("Ada Lovelace");
        assertThat(state.path("totalAmount").decimalValue()).isEqualByComparingTo("20.00");
        assertThat(state.path("items").path(1).path("price").decimalValue()).isEqualByComparingTo("10.00");
    }

    @Test
    void shippingAnswers200AndTimeTravelShowsTheOrderBeforeIt() throws Exception {
        String order = newOrder(newCustomer());

        Response shipped = postJson("/api/orders/" + order + "/ship", """
                {"trackingNumber": "1Z999", "carrier": "UPS"}""");

        assertThat(shipped.status()).as(shipped.body()).isEqualTo(200);
        assertThat(shipped.json().path("version").asLong()).isEqualTo(2);
        assertThat(shipped.header("Location")).isNull();

        JsonNode now = fetch("/api/orders/" + order + "/state").json();
        assertThat(now.path("status").asString()).isEqualTo("SHIPPED");
        assertThat(now.path("carrier").asString()).isEqualTo("UPS");
        assertThat(now.path("version").asLong()).isEqualTo(2);

        JsonNode atVersion1 = fetch("/api/orders/" + order + "/state?asOfVersion=1").json();
        assertThat(atVersion1.path("status").asString()).isEqualTo("CREATED");
        assertThat(atVersion1.path("version").asLong()).isEqualTo(1);
        assertThat(atVersion1.path("trackingNumber").isNull()).isTrue();

        String createdAt = fetch("/api/streams/" + order).json().path("events").path(0).path("recordedAt").asString();
        JsonNode atInstant = fetch("/api/orders/" + order + "/state?asOf="
                + URLEncoder.encode(createdAt, StandardCharsets.UTF_8)).json();
        assertThat(atInstant.path("status").asString()).isEqualTo("CREATED");
        assertThat(atInstant.path("version").asLong()).isEqualTo(1);
    }

    @Test
    void cancellingAnswers200() {
        String order = newOrder(newCustomer());

        Response cancelled = postJson("/api/orders/" + order + "/cancel", """
                {"reason": "changed my mind"}""");

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().path("version").asLong()).isEqualTo(2);
        JsonNode state = fetch("/api/orders/" + order + "/state").json();
        assertThat(state.path("status").asString()).isEqualTo("CANCELLED");
        assertThat(state.path("cancelReason").asString()).isEqualTo("changed my mind");
    }

    @Test
    void aRetriedShipWithTheSameKeyReturnsTheFirstAnswerInsteadOfOrderAlreadyShipped() {
        String order = newOrder(newCustomer());
        String key = unique("ship");
        String json = """
                {"trackingNumber": "T-1", "carrier": "DHL"}""";

        Response first = postJson("/api/orders/" + order + "/ship", json, "Idempotency-Key", key);
        Response retry = postJson("/api/orders/" + order + "/ship", json, "Idempotency-Key", key);

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(retry.status()).as(retry.body()).isEqualTo(200);
        assertThat(retry.json()).isEqualTo(first.json());
        assertThat(eventsOf(order)).isEqualTo(2);
    }
}
