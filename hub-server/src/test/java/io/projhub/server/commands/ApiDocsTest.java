package io.projhub.server.commands;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

class ApiDocsTest extends ApiTestSupport {

    @Test
    void theOpenApiDescriptionListsTheCommandEndpointsAndTheirHeaders() {
        Response response = fetch("/v3/api-docs");

        assertThat(response.status()).isEqualTo(200);
        JsonNode paths = response.json().path("paths");
        for (String path : new String[] {"/api/customers", "/api/customers/{customerId}/deactivate", "/api/orders",
                "/api/orders/{orderId}/ship", "/api/orders/{orderId}/cancel", "/api/accounts",
                "/api/accounts/{accountId}/deposit", "/api/accounts/{accountId}/withdraw",
                "/api/streams/{streamId}/events"}) {
            assertThat(paths.path(path).path("post").isObject()).as(path).isTrue();
        }
        assertThat(paths.path("/api/streams/{streamId}").path("get").isObject()).isTrue();
        assertThat(paths.path("/api/accounts/{accountId}").path("get").isObject()).isTrue();
        assertThat(paths.path("/api/orders/{orderId}/state").path("get").isObject()).isTrue();
        assertThat(paths.path("/api/orders").path("post").path("parameters").findValuesAsString("name"))
                .contains("Idempotency-Key", "X-Correlation-Id", "X-Causation-Id");
        assertThat(response.json().path("info").path("title").asString()).isEqualTo("Projection Hub API");
    }

    @Test
    void theOpenApiDescriptionNamesTheCredentialsItAccepts() {
        JsonNode docs = fetch("/v3/api-docs", ANONYMOUS).json();

        JsonNode schemes = docs.path("components").path("securitySchemes");
        assertThat(schemes.path("apiKey").path("type").asString()).isEqualTo("apiKey");
        assertThat(schemes.path("apiKey").path("in").asString()).isEqualTo("header");
        assertThat(schemes.path("apiKey").path("name").asString()).isEqualTo("X-API-Key");
        assertThat(schemes.path("bearer").path("scheme").asString()).isEqualTo("bearer");
        assertThat(schemes.path("adminLogin").path("scheme").asString()).isEqualTo("basic");
        assertThat(docs.path("security").size()).isEqualTo(3);
    }

    @Test
    void swaggerUiIsServed() {
        assertThat(fetch("/swagger-ui/index.html", ANONYMOUS).status()).as("open without credentials").isEqualTo(200);
    }
}
