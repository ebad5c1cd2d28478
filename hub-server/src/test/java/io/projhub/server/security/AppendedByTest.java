package io.projhub.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.projhub.server.HubTestBase;
import io.projhub.server.TestCredentials;
import io.projhub.testsupport.TestIdentityProvider;
import tools.jackson.databind.JsonNode;

/** Each event's metadata names who appended it, as authenticated (never a secret, never what the client claims). */
class AppendedByTest extends HubTestBase {

    @Test
    void aStreamReadShowsWhoAppendedEachEventAndNoSecret() throws Exception {
        String stream = "appended-by-" + UUID.randomUUID();
        HttpResponse<String> byKey = post("/api/streams/" + stream + "/events", """
                {"events": [{"type": "Noted", "data": {},
                  "metadata": {"principal": {"name": "someone-else", "via": "forged"}}}]}""",
                apiKey(TestCredentials.WRITER));
        assertThat(byKey.statusCode()).as(byKey.body()).isEqualTo(201);
        String token = TestIdentityProvider.get().token("svc-billing", "writer");
        HttpResponse<String> byToken = post("/api/streams/" + stream + "/events", """
                {"events": [{"type": "Noted", "data": {}}]}""", bearer(token));
        assertThat(byToken.statusCode()).as(byToken.body()).isEqualTo(200);

        HttpResponse<String> read = get("/api/streams/" + stream);
        assertThat(read.statusCode()).isEqualTo(200);
        JsonNode events = json(read).path("events");
        assertThat(events.get(0).path("metadata").path("principal").path("name").asString()).isEqualTo("test-writer");
        assertThat(events.get(0).path("metadata").path("principal").path("via").asString()).isEqualTo("api-key");
        assertThat(events.get(1).path("metadata").path("principal").path("name").asString()).isEqualTo("svc-billing");
        assertThat(events.get(1).path("metadata").path("principal").path("via").asString()).isEqualTo("jwt");
        assertThat(read.body()).doesNotContain(TestCredentials.WRITER).doesNotContain(token)
                .doesNotContain(ApiKey.sha256Hex(TestCredentials.WRITER)).doesNotContain("someone-else");
    }

    @Test
    void aCommandRecordsItsCallerToo() throws Exception {
        HttpResponse<String> created = post("/api/customers", """
                {"name": "Grace Hopper", "email": "grace@example.com"}""", admin());
        assertThat(created.statusCode()).as("the admin login is not a writer").isEqualTo(403);
        created = post("/api/customers", """
                {"name": "Grace Hopper", "email": "grace@example.com"}""");
        assertThat(created.statusCode()).as(created.body()).isIn(200, 201);
        String stream = json(created).path("streamId").asString();

        JsonNode principal = json(get("/api/streams/" + stream)).path("events").get(0).path("metadata")
                .path("principal");
        assertThat(principal.path("name").asString()).isEqualTo("test-writer");
        assertThat(principal.path("via").asString()).isEqualTo("api-key");
    }
}
