package io.projhub.server.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;

import org.junit.jupiter.api.Test;

import io.projhub.core.eventstore.LogPosition;
import tools.jackson.databind.JsonNode;

class CustomerCommandsApiTest extends ApiTestSupport {

    @Test
    void registeringACustomerAnswers201WithItsStreamVersionTokenAndLocation() {
        Response response = postJson("/api/customers", """
                {"name": "Grace Hopper", "email": "grace@example.com"}""");

        assertThat(response.status()).isEqualTo(201);
        assertThat(response.contentType()).startsWith("application/json");
        JsonNode body = response.json();
        String id = body.path("streamId").asString();
        assertThat(id).startsWith("customer-");
        assertThat(body.path("version").asLong()).isEqualTo(1);
        assertThat(LogPosition.parse(body.path("position").asString())).isNotNull();
        assertThat(response.header("Location")).endsWith("/api/streams/" + id);
        assertThat(eventsOf(id)).isEqualTo(1);
    }

    @Test
    void aClientChosenIdIsKept() {
        String id = unique("customer");

        Response response = postJson("/api/customers", """
                {"id": "%s", "name": "Alan Turing", "email": "alan@example.com"}""".formatted(id));

        assertThat(response.status()).isEqualTo(201);
        assertThat(response.json().path("streamId").asString()).isEqualTo(id);
    }

    @Test
    void deactivatingACustomerAnswers200WithTheNextVersionWithOrWithoutABody() {
        Response registered = postJson("/api/customers", """
                {"name": "Leaving Soon", "email": "leaving@example.com"}""");
        String withReason = registered.json().path("streamId").asString();
        String withoutBody = newCustomer();

        Response first = postJson("/api/customers/" + withReason + "/deactivate", """
                {"reason": "moved away"}""");
        Response second = send("POST", "/api/customers/" + withoutBody + "/deactivate", null,
                HttpRequest.BodyPublishers.noBody());

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().path("streamId").asString()).isEqualTo(withReason);
        assertThat(first.json().path("version").asLong()).isEqualTo(2);
        assertThat(first.header("Location")).isNull();
        assertThat(LogPosition.parse(first.json().path("position").asString()))
                .isGreaterThan(LogPosition.parse(registered.json().path("position").asString()));
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(second.json().path("version").asLong()).isEqualTo(2);
        assertThat(fetch("/api/streams/" + withReason).json().path("events").path(1).path("data").path("reason")
                .asString()).isEqualTo("moved away");
    }

    @Test
    void unicodeEmojiAndSqlLookingTextIsAcceptedAsPlainData() {
        String name = "Zoë 李 🚀'; drop table events; --";
        Response response = postJson("/api/customers", """
                {"name": "%s", "email": "robert');DROP_TABLE_events;--@example.com"}""".formatted(name));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        String id = response.json().path("streamId").asString();
        JsonNode event = fetch("/api/streams/" + id).json().path("events").path(0);
        assertThat(event.path("data").path("name").asString()).isEqualTo(name);
        assertThat(event.path("data").path("email").asString()).isEqualTo("robert');DROP_TABLE_events;--@example.com");
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyReturnsTheFirstAnswerAndAppendsNothing() {
        String key = unique("key");
        String json = """
                {"name": "Once Only", "email": "once@example.com"}""";

        Response first = postJson("/api/customers", json, "Idempotency-Key", key);
        Response retry = postJson("/api/customers", json, "Idempotency-Key", key);

        assertThat(first.status()).isEqualTo(201);
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.json()).isEqualTo(first.json());
        assertThat(retry.header("Location")).isEqualTo(first.header("Location"));
        assertThat(eventsOf(first.json().path("streamId").asString())).isEqualTo(1);
        assertThat(jdbc.queryForObject("select count(*) from events where metadata ->> 'idempotencyKey' = ?",
                Long.class, key)).isEqualTo(1);
    }

    @Test
    void theCorrelationIdIsEchoedAndStoredAndOneIsGeneratedWhenAbsent() {
        String correlationId = unique("corr");
        String causationId = unique("cause");

        Response given = postJson("/api/customers", """
                {"name": "Traced", "email": "traced@example.com"}""",
                "X-Correlation-Id", correlationId, "X-Causation-Id", causationId);
        Response generated = postJson("/api/customers", """
                {"name": "Untraced", "email": "untraced@example.com"}""");

        assertThat(given.header("X-Correlation-Id")).isEqualTo(correlationId);
        JsonNode metadata = fetch("/api/streams/" + given.json().path("streamId").asString())
                .json().path("events").path(0).path("metadata");
        assertThat(metadata.path("correlationId").asString()).isEqualTo(correlationId);
        assertThat(metadata.path("causationId").asString()).isEqualTo(causationId);

        String generatedId = generated.header("X-Correlation-Id");
        assertThat(generatedId).isNotBlank();
        assertThat(eventsCorrelatedWith(generatedId)).isEqualTo(1);
    }
}
