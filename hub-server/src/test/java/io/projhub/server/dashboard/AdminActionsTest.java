package io.projhub.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import io.projhub.server.HubTestBase;

/** The dashboard's admin buttons call these: without the admin login they get 401, with it they run. */
class AdminActionsTest extends HubTestBase {

    private static final long MISSING_ID = 9_000_000_000L;

    @Test
    void replayingADeadLetterNeedsTheAdminLogin() throws Exception {
        String replay = "/api/admin/dead-letters/" + MISSING_ID + "/replay";

        assertThat(post(replay, null).statusCode()).isEqualTo(401);
        assertThat(post(replay, null, wrongPassword()).statusCode()).isEqualTo(401);
        HttpResponse<String> withLogin = post(replay, null, admin());
        assertThat(withLogin.statusCode()).as(withLogin.body()).isEqualTo(400);
    }

    @Test
    void aDashboardRequestWithoutTheLoginGetsNoBrowserLoginDialog() throws Exception {
        HttpResponse<String> response = post("/api/admin/dead-letters/" + MISSING_ID + "/replay", null,
                "X-Requested-With", "XMLHttpRequest");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
    }

    @Test
    void acknowledgingAnAlertNeedsTheAdminLogin() throws Exception {
        String ack = "/api/admin/alerts/" + MISSING_ID + "/ack";

        assertThat(post(ack, null).statusCode()).isEqualTo(401);
        assertThat(post(ack, null, wrongPassword()).statusCode()).isEqualTo(401);
        HttpResponse<String> withLogin = post(ack, null, admin());
        assertThat(withLogin.statusCode()).as(withLogin.body()).isIn(400, 404);
    }

    private static String[] wrongPassword() {
        String basic = Base64.getEncoder().encodeToString("admin:not-the-password".getBytes(StandardCharsets.UTF_8));
        return new String[] {"Authorization", "Basic " + basic};
    }
}
