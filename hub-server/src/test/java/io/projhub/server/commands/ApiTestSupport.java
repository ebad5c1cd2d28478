package io.projhub.server.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import io.projhub.core.eventstore.EventJson;
import io.projhub.server.HubTestBase;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API over real HTTP against the real PostgreSQL. Test classes extend this and add no configuration of their
 * own, so they share the suite's one application context ({@link HubTestBase}).
 */
abstract class ApiTestSupport extends HubTestBase {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** Reads decimals as BigDecimal with their scale, as money must be. */
    static final JsonMapper EXACT_JSON = EventJson.newMapper();

    @Autowired
    JdbcTemplate jdbc;

    record Response(int status, java.net.http.HttpHeaders headers, String body) {

        JsonNode json() {
            return EXACT_JSON.readTree(body);
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        String contentType() {
            return header("Content-Type");
        }
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    Response postJson(String path, String json, String... headers) {
        return send("POST", path, "application/json", HttpRequest.BodyPublishers.ofString(json), headers);
    }

    Response fetch(String path, String... headers) {
        return send("GET", path, null, HttpRequest.BodyPublishers.noBody(), headers);
    }

    Response send(String method, String path, String contentType, HttpRequest.BodyPublisher body,
                  String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(30)).method(method, body);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        headers = withCredential(method, path, headers);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Posts a command that must succeed and returns its {@code streamId}. */
    String succeed(String path, String json) {
        Response response = postJson(path, json);
        assertThat(response.status()).as("%s %s -> %s", path, json, response.body()).isIn(200, 201);
        return response.json().path("streamId").asString();
    }

    String newCustomer() {
        return succeed("/api/customers", """
                {"name": "Ada Lovelace", "email": "ada@example.com"}""");
    }

    String newAccount(String currency, String initialBalance) {
        return succeed("/api/accounts", """
                {"currency": "%s", "initialBalance": %s}""".formatted(currency, initialBalance));
    }

    String newOrder(String customerId) {
        return succeed("/api/orders", """
                {"customerId": "%s", "currency": "EUR",
                 "items": [{"name": "Difference engine", "price": 19.99, "quantity": 2}]}""".formatted(customerId));
    }

    long eventsOf(String... streamIds) {
        Long count = jdbc.queryForObject("select count(*) from events where stream_id = any(?)", Long.class,
                (Object) streamIds);
        return count == null ? 0 : count;
    }

    long eventsCorrelatedWith(String correlationId) {
        Long count = jdbc.queryForObject("select count(*) from events where metadata ->> 'correlationId' = ?",
                Long.class, correlationId);
        return count == null ? 0 : count;
    }
}
