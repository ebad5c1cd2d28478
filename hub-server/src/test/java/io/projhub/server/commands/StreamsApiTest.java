package io.projhub.server.commands;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.projhub.core.eventstore.LogPosition;
import tools.jackson.databind.JsonNode;

class StreamsApiTest extends ApiTestSupport {

    @Test
    void theGenericAppendCreatesAStreamWith201ThenAppendsWith200() {
        String stream = unique("erp-invoice");

        Response created = postJson("/api/streams/" + stream + "/events", """
                {"expectedVersion": 0, "streamType": "erp-invoice", "events": [
                  {"type": "InvoiceIssued", "data": {"number": "INV-1", "amount": 12.30},
                   "metadata": {"source": "erp", "causationId": "erp-msg-7"}},
                  {"type": "InvoiceSent", "data": {"to": "billing@example.com"}}]}""",
                "X-Correlation-Id", "corr-" + stream);
        Response appended = postJson("/api/streams/" + stream + "/events", """
                {"expectedVersion": 2, "events": [{"type": "InvoicePaid", "data": {}}]}""");
        Response anyVersion = postJson("/api/streams/" + stream + "/events", """
                {"streamType": "erp-invoice", "events": [{"type": "InvoiceArchived", "data": {"box": 4}}]}""");

        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("streamId").asString()).isEqualTo(stream);
        assertThat(created.json().path("version").asLong()).isEqualTo(2);
        assertThat(created.header("Location")).endsWith("/api/streams/" + stream);
        assertThat(LogPosition.parse(created.json().path("position").asString())).isNotNull();
        assertThat(appended.status()).as(appended.body()).isEqualTo(200);
        assertThat(appended.json().path("version").asLong()).isEqualTo(3);
        assertThat(anyVersion.status()).as(anyVersion.body()).isEqualTo(200);
        assertThat(anyVersion.json().path("version").asLong()).isEqualTo(4);
        assertThat(anyVersion.header("Location")).isNull();

        JsonNode page = fetch("/api/streams/" + stream).json();
        assertThat(page.path("streamType").asString()).isEqualTo("erp-invoice");
        assertThat(page.path("version").asLong()).isEqualTo(4);
        JsonNode first = page.path("events").path(0);
        assertThat(first.path("type").asString()).isEqualTo("InvoiceIssued");
        assertThat(first.path("version").asLong()).isEqualTo(1);
        assertThat(first.path("schemaVersion").asInt()).isEqualTo(1);
        assertThat(first.path("data").path("amount").decimalValue()).isEqualByComparingTo("12.30");
        assertThat(first.path("metadata").path("source").asString()).isEqualTo("erp");
        assertThat(first.path("metadata").path("causationId").asString()).isEqualTo("erp-msg-7");
        assertThat(first.path("metadata").path("correlationId").asString()).isEqualTo("corr-" + stream);
        assertThat(first.path("recordedAt").asString()).isNotBlank();
        assertThat(LogPosition.parse(first.path("position").asString()))
                .isLessThan(LogPosition.parse(page.path("events").path(1).path("position").asString()));
        assertThat(page.path("events").path(1).path("metadata").path("correlationId").asString())
                .isEqualTo("corr-" + stream);
    }

    @Test
    void anExternalStreamIsTheDefaultAndExpectedVersionIsChecked() {
        String stream = unique("ext");

        Response first = postJson("/api/streams/" + stream + "/events", """
                {"events": [{"type": "Pinged", "data": {"n": 1}}]}""");
        Response second = postJson("/api/streams/" + stream + "/events", """
                {"expectedVersion": 1, "events": [{"type": "Pinged", "data": {"n": 2}}]}""");

        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(second.json().path("version").asLong()).isEqualTo(2);
        assertThat(fetch("/api/streams/" + stream).json().path("streamType").asString()).isEqualTo("external");
    }

    @Test
    void readingFromAVersionPagesThroughTheStream() {
        String stream = unique("ext");
        postJson("/api/streams/" + stream + "/events", """
                {"events": [{"type": "A", "data": {}}, {"type": "B", "data": {}}, {"type": "C", "data": {}},
                            {"type": "D", "data": {}}]}""");

        JsonNode page = fetch("/api/streams/" + stream + "?fromVersion=2&limit=2").json();
        JsonNode last = fetch("/api/streams/" + stream + "?fromVersion=4").json();
        JsonNode beyond = fetch("/api/streams/" + stream + "?fromVersion=9").json();

        assertThat(page.path("events").size()).isEqualTo(2);
        assertThat(page.path("events").path(0).path("type").asString()).isEqualTo("B");
        assertThat(page.path("nextFromVersion").asLong()).isEqualTo(4);
        assertThat(last.path("events").size()).isEqualTo(1);
        assertThat(last.path("nextFromVersion").isNull()).isTrue();
        assertThat(beyond.path("events").size()).isZero();
        assertThat(beyond.path("version").asLong()).isEqualTo(4);
    }

    @Test
    void aRetriedGenericAppendWithTheSameKeyReturnsTheFirstAnswer() {
        String stream = unique("ext");
        String key = unique("append");
        String json = """
                {"events": [{"type": "Pinged", "data": {"n": 1}}]}""";

        Response first = postJson("/api/streams/" + stream + "/events", json, "Idempotency-Key", key);
        Response retry = postJson("/api/streams/" + stream + "/events", json, "Idempotency-Key", key);

        assertThat(first.status()).isEqualTo(201);
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.json()).isEqualTo(first.json());
        assertThat(eventsOf(stream)).isEqualTo(1);
    }

    @Test
    void aDomainStreamCanBeReadButItsEventsComeFromCommandsOnly() {
        String customer = newCustomer();

        JsonNode page = fetch("/api/streams/" + customer).json();

        assertThat(page.path("streamType").asString()).isEqualTo("customer");
        assertThat(page.path("events").path(0).path("type").asString()).isEqualTo("CustomerRegistered");
    }
}
