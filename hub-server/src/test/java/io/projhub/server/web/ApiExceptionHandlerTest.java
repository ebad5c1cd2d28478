package io.projhub.server.web;

import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import io.projhub.core.eventstore.EventStoreException;

/** The failures no request against a healthy hub can provoke: the store down, a bug. No store needed. */
class ApiExceptionHandlerTest {

    @RestController
    static class Failing {

        @GetMapping("/api/test/store-down")
        void storeDown() {
            throw new EventStoreException("Append to order-1 failed: ERROR: relation \"events\" does not exist",
                    new SQLException("select position from events where stream_id = 'order-1'"));
        }

        @GetMapping("/api/test/bug")
        void bug() {
            throw new IllegalStateException("internal state at io.projhub.core.Secret");
        }

        @GetMapping("/api/test/parameter")
        void parameter() {
            throw new InvalidParameterException("after", "is not a position token");
        }

        @GetMapping("/api/test/illegal-argument")
        void illegalArgument() {
            throw new IllegalArgumentException("Not a position token: 'x'");
        }
    }

    private final MockMvc mvc = MockMvcBuilders.standaloneSetup(new Failing())
            .setControllerAdvice(new ApiExceptionHandler())
            .addFilters(new CorrelationIdFilter())
            .build();

    @Test
    void anUnreachableEventStoreIsA503WithoutTheSqlOrTheDriversMessage() throws Exception {
        mvc.perform(get("/api/test/store-down").header("X-Correlation-Id", "corr-503"))
                .andExpect(status().isServiceUnavailable())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(header().string("Retry-After", "5"))
                .andExpect(header().string("X-Correlation-Id", "corr-503"))
                .andExpect(jsonPath("$.type").value("urn:projhub:problem:service-unavailable"))
                .andExpect(jsonPath("$.title").value("Service unavailable"))
                .andExpect(jsonPath("$.status").value(503))
                .andExpect(jsonPath("$.correlationId").value("corr-503"))
                .andExpect(content().string(not(containsString("select"))))
                .andExpect(content().string(not(containsString("does not exist"))))
                .andExpect(content().string(not(containsString("Exception"))));
    }

    @Test
    void aBugIsA500WithoutItsMessageOrStackTrace() throws Exception {
        mvc.perform(get("/api/test/bug"))
                .andExpect(status().isInternalServerError())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:projhub:problem:internal-error"))
                .andExpect(jsonPath("$.detail").value(containsString("correlation id")))
                .andExpect(content().string(not(containsString("io.projhub"))))
                .andExpect(content().string(not(containsString("IllegalStateException"))));
    }

    @Test
    void anInvalidParameterIsA400NamingIt() throws Exception {
        mvc.perform(get("/api/test/parameter"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.type").value("urn:projhub:problem:invalid-request"))
                .andExpect(jsonPath("$.field").value("after"))
                .andExpect(jsonPath("$.errors[0].field").value("after"))
                .andExpect(jsonPath("$.detail").value("after: is not a position token"));
    }

    @Test
    void anIllegalArgumentIsA400WithItsMessage() throws Exception {
        mvc.perform(get("/api/test/illegal-argument"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.type").value("urn:projhub:problem:invalid-request"))
                .andExpect(jsonPath("$.detail").value("Not a position token: 'x'"));
    }
}
