package io.projhub.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import io.projhub.server.HubTestBase;
import io.projhub.server.TestCredentials;
import io.projhub.testsupport.TestIdentityProvider;
import tools.jackson.databind.JsonNode;

/**
 * Every admin request is recorded in PostgreSQL — who, what, when, from where, outcome — refusals included, but not a
 * request that carried no credentials at all; the path is the decoded one; old rows are deleted.
 */
class AdminActionLogTest extends HubTestBase {

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    AdminActionLog log;

    @Test
    void adminActionsAndRefusalsAreListedNewestFirst() throws Exception {
        String lane = "no-such-lane-" + UUID.randomUUID().toString().substring(0, 8);
        String redrive = "/api/admin/lanes/" + lane + "/redrive";
        assertThat(post(redrive, "").statusCode()).as("no credentials: not recorded").isEqualTo(401);
        assertThat(post(redrive, "", apiKey(TestCredentials.newKey("wrong"))).statusCode()).isEqualTo(401);
        assertThat(post(redrive, "", apiKey(TestCredentials.READER)).statusCode()).isEqualTo(403);
        assertThat(post(redrive, "", bearer(TestIdentityProvider.get().token("svc-ops", "admin"))).statusCode())
                .isNotIn(401, 403);
        HttpResponse<String> byKey = post(redrive, "", apiKey(TestCredentials.ADMIN));
        assertThat(byKey.statusCode()).isNotIn(401, 403);
        assertThat(post(redrive, "", admin()).statusCode()).isNotIn(401, 403);

        HttpResponse<String> listed = get("/api/admin/actions?limit=5", apiKey(TestCredentials.ADMIN));
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        JsonNode actions = json(listed).path("actions");
        assertThat(actions.size()).isEqualTo(5);
        // newest first: the Basic login, the admin key, the token, the reader's refusal, the wrong key's refusal
        assertThat(actions.get(0).path("principal").asString()).isEqualTo("admin");
        assertThat(actions.get(0).path("via").asString()).isEqualTo("basic");
        assertThat(actions.get(1).path("principal").asString()).isEqualTo("test-admin");
        assertThat(actions.get(1).path("via").asString()).isEqualTo("api-key");
        assertThat(actions.get(1).path("outcome").asInt()).isEqualTo(byKey.statusCode());
        assertThat(actions.get(2).path("principal").asString()).isEqualTo("svc-ops");
        assertThat(actions.get(2).path("via").asString()).isEqualTo("jwt");
        assertThat(actions.get(3).path("principal").asString()).isEqualTo("test-reader");
        assertThat(actions.get(3).path("outcome").asInt()).isEqualTo(403);
        assertThat(actions.get(4).path("principal").asString()).isEqualTo("anonymous");
        assertThat(actions.get(4).path("outcome").asInt()).isEqualTo(401);
        assertThat(actions.get(4).path("detail").asString()).contains("credentials were not accepted");
        for (JsonNode action : actions) {
            assertThat(action.path("action").asString()).isEqualTo("re-drive lane " + lane);
            assertThat(action.path("method").asString()).isEqualTo("POST");
            assertThat(action.path("path").asString()).isEqualTo(redrive);
            assertThat(action.path("remoteAddress").asString()).isIn("127.0.0.1", "0:0:0:0:0:0:0:1");
            assertThat(action.path("at").asString()).isNotBlank();
            assertThat(action.path("id").asLong()).isPositive();
        }
        assertThat(listed.body()).doesNotContain(TestCredentials.ADMIN).doesNotContain(ADMIN_PASSWORD);
        assertThat(get("/api/admin/actions", apiKey(TestCredentials.READER)).statusCode()).isEqualTo(403);
    }

    @Test
    void aPercentEncodedAdminPathIsRecordedUnderItsDecodedPath() throws Exception {
        String lane = "encoded-lane-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> encoded = post("/api/%61dmin/lanes/" + lane + "/redrive", "", apiKey(TestCredentials.ADMIN));
        assertThat(encoded.statusCode()).as("it is an admin request: %s", encoded.body()).isNotIn(401, 403);
        assertThat(post("/api/%61dmin/lanes/" + lane + "/redrive", "", apiKey(TestCredentials.READER)).statusCode())
                .isEqualTo(403);

        JsonNode actions = json(get("/api/admin/actions?limit=2", apiKey(TestCredentials.ADMIN))).path("actions");
        assertThat(actions.get(0).path("outcome").asInt()).isEqualTo(403);
        assertThat(actions.get(1).path("outcome").asInt()).isEqualTo(encoded.statusCode());
        for (JsonNode action : actions) {
            assertThat(action.path("path").asString()).isEqualTo("/api/admin/lanes/" + lane + "/redrive");
            assertThat(action.path("action").asString()).isEqualTo("re-drive lane " + lane);
        }
    }

    @Test
    void rowsOlderThanTheRetentionAreDeleted() {
        String marker = "retention-" + UUID.randomUUID();
        String insert = "insert into admin_actions (at, principal, method, path, action, remote_address, outcome) "
                + "values (now() - make_interval(days => ?), ?, 'POST', '/api/admin/x', 'x', '127.0.0.1', 200)";
        jdbc.update(insert, 91, marker + "-old");
        jdbc.update(insert, 89, marker + "-kept");
        try {
            assertThat(log.purge()).isPositive();
            assertThat(jdbc.queryForList("select principal from admin_actions where principal like ?", String.class,
                    marker + "%")).containsExactly(marker + "-kept");
        } finally {
            jdbc.update("delete from admin_actions where principal like ?", marker + "%");
        }
    }
}
