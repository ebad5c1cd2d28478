package io.projhub.server.security;

import java.util.List;
import java.util.Map;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.projhub.server.queries.QueryParameters;
import io.swagger.v3.oas.annotations.Operation;

/** The admin action log, newest first. */
@RestController
public class AdminActionController {

    private final AdminActionLog actions;

    public AdminActionController(AdminActionLog actions) {
        this.actions = actions;
    }

    @Operation(summary = "The last admin actions, newest first",
            description = "Who, what, when, from where and the outcome of every request to /api/admin/** "
                    + "(refusals included); limit 1..1000, default 50")
    @GetMapping("/api/admin/actions")
    public Map<String, List<AdminAction>> actions(@RequestParam(required = false) String limit) {
        return Map.of("actions", actions.latest(QueryParameters.boundedInt("limit", limit, 1, 1000, 50)));
    }
}
