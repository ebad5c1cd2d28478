package io.projhub.server.security;

import java.util.List;

import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;

/**
 * The one table of who may call what. The first rule that matches decides; a request no rule matches is refused
 * (401 without credentials, 403 with). Every API endpoint belongs to exactly one role; an admin is also a reader
 * ({@link SecurityConfiguration#roleHierarchy()}). {@code EndpointRolesTest} walks the OpenAPI document against it.
 */
final class EndpointRoles {

    /** One row: requests with this method (null: any) on these path patterns need {@code role} (null: open). */
    record Rule(HttpMethod method, Role role, String... patterns) {
    }

    static final List<Rule> RULES = List.of(
            // open: load balancers, error pages, the dashboard's and the API documentation's own files (the data
            // behind them needs a role)
            new Rule(null, null, "/error", "/actuator/health", "/actuator/health/**"),
            new Rule(HttpMethod.GET, null, "/", "/dashboard", "/dashboard.html", "/dashboard.js", "/dashboard.css",
                    "/favicon.ico", "/webjars/**", "/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html",
                    "/swagger-ui/**"),
            // admin: rebuild, switch back, drop, audit, reload and preview definitions, replay and skip dead letters,
            // acknowledge alerts, re-drive lanes, the admin action log
            new Rule(null, Role.ADMIN, "/api/admin/**"),
            // reader: every other read of the API (queries, streams, accounts, lanes, dead letters, consistency,
            // alerts, audits) and the metrics; no other actuator endpoint (health's details: management.endpoint.health)
            new Rule(HttpMethod.GET, Role.READER, "/api/**", "/actuator/prometheus", "/actuator/metrics",
                    "/actuator/metrics/**", "/actuator/info"),
            new Rule(HttpMethod.HEAD, Role.READER, "/api/**"),
            // writer: commands and appends (POST; another method gets 405 from the API, once the writer is known)
            new Rule(null, Role.WRITER, "/api/customers", "/api/customers/**", "/api/accounts", "/api/accounts/**",
                    "/api/orders", "/api/orders/**", "/api/streams/*/events"));

    private EndpointRoles() {
    }

    static void apply(AuthorizeHttpRequestsConfigurer<?>.AuthorizationManagerRequestMatcherRegistry requests) {
        for (Rule rule : RULES) {
            var matched = rule.method() == null ? requests.requestMatchers(rule.patterns())
                    : requests.requestMatchers(rule.method(), rule.patterns());
            if (rule.role() == null) {
                matched.permitAll();
            } else {
                matched.hasRole(rule.role().name());
            }
        }
        requests.anyRequest().denyAll();
    }
}
