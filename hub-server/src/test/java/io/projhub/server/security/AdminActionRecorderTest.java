package io.projhub.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** The recorder alone: what it records (decoded paths; not requests without credentials), and that it never fails. */
class AdminActionRecorderTest {

    private final List<AdminAction> recorded = new ArrayList<>();
    private final AdminActionLog log = new AdminActionLog(null, Duration.ofDays(1)) {
        @Override
        public void record(AdminAction action) {
            recorded.add(action);
        }
    };

    private static MockHttpServletResponse run(AdminActionRecorder recorder, MockHttpServletRequest request,
                                               int status) throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        FilterChain chain = (req, res) -> ((HttpServletResponse) res).setStatus(status);
        recorder.doFilter(request, response, chain);
        return response;
    }

    @Test
    void aPercentEncodedAdminPathIsRecordedDecoded() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/%61dmin/lanes/l1/redrive");
        request.addHeader("X-API-Key", "phk_x_y");
        run(new AdminActionRecorder(log), request, 202);

        assertThat(recorded).singleElement().satisfies(action -> {
            assertThat(action.path()).isEqualTo("/api/admin/lanes/l1/redrive");
            assertThat(action.action()).isEqualTo("re-drive lane l1");
            assertThat(action.outcome()).isEqualTo(202);
        });
    }

    @Test
    void a401WithoutCredentialsIsNotRecordedWithWrongOnesItIs() throws Exception {
        AdminActionRecorder recorder = new AdminActionRecorder(log);
        run(recorder, new MockHttpServletRequest("POST", "/api/admin/read-models/reload"), 401);
        assertThat(recorded).isEmpty();

        MockHttpServletRequest wrong = new MockHttpServletRequest("POST", "/api/admin/read-models/reload");
        wrong.addHeader("Authorization", "Basic eDp5");
        run(recorder, wrong, 401);
        MockHttpServletRequest throttled = new MockHttpServletRequest("POST", "/api/admin/read-models/reload");
        throttled.addHeader("X-API-Key", "phk_x_y");
        run(recorder, throttled, 429);
        assertThat(recorded).extracting(AdminAction::outcome).containsExactly(401, 429);
    }

    @Test
    void aLogThatCannotBeWrittenDoesNotFailTheRequest() throws Exception {
        AdminActionLog broken = new AdminActionLog(null, Duration.ofDays(1)) {
            @Override
            public void record(AdminAction action) {
                throw new IllegalStateException("the database is away");
            }
        };
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/admin/read-models/reload");
        request.addHeader("X-API-Key", "phk_x_y");

        assertThat(run(new AdminActionRecorder(broken), request, 200).getStatus()).isEqualTo(200);
    }
}
