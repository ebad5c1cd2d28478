package io.projhub.server.security;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.web.filter.OncePerRequestFilter;

import io.projhub.core.eventstore.AppendedBy;

/**
 * Records every request to {@code /api/admin/**} once its status is known, refusals (401, 403, 429) included, in
 * the {@link AdminActionLog}. Reading the log itself is not recorded when it succeeds (the dashboard polls it).
 * A log that cannot be written does not fail the action: it is logged as {@code event=admin-action-unrecorded}.
 */
final class AdminActionRecorder extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(AdminActionRecorder.class);
    static final String PREFIX = "/api/admin/";
    private static final int MAX_TEXT = 500;

    private final AdminActionLog actions;

    AdminActionRecorder(AdminActionLog actions) {
        this.actions = actions;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !path(request).startsWith(PREFIX);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        int status = 500;
        try {
            chain.doFilter(request, response);
            status = response.getStatus();
        } finally {
            String path = path(request);
            String method = request.getMethod();
            String action = AdminActionNames.of(method, path);
            if (!("GET".equals(method) && status < 400 && action.equals("list admin actions"))) {
                record(request, method, path, action, status);
            }
        }
    }

    private void record(HttpServletRequest request, String method, String path, String action, int status) {
        AppendedBy caller = Callers.current();
        String detail = switch (status) {
            case 401 -> FailedAuthenticationThrottle.carriesCredentials(request)
                    ? "refused: the credentials were not accepted" : "refused: no credentials";
            case 403 -> "refused: the caller's role does not grant this action";
            case 429 -> "refused: too many failed authentications from this address";
            default -> null;
        };
        AdminAction entry = new AdminAction(0, null, caller == null ? "anonymous" : clean(caller.name()),
                caller == null ? null : caller.via(), clean(method), clean(path), clean(action),
                clean(request.getRemoteAddr()), status, detail);
        try {
            actions.record(entry);
            log.info("event=admin-action principal={} via={} action=\"{}\" remote={} outcome={}", entry.principal(),
                    entry.via(), entry.action(), entry.remoteAddress(), status);
        } catch (DataAccessException e) {
            log.warn("event=admin-action-unrecorded principal={} action=\"{}\" outcome={} error=\"{}\"",
                    entry.principal(), entry.action(), status, e.getMostSpecificCause().getMessage());
        }
    }

    private static String path(HttpServletRequest request) {
        return request.getRequestURI().substring(request.getContextPath().length());
    }

    /** Text as PostgreSQL can keep it and a reader can trust it: no control characters, bounded. */
    private static String clean(String text) {
        if (text == null) {
            return "";
        }
        String printable = text.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return printable.length() > MAX_TEXT ? printable.substring(0, MAX_TEXT) + "…" : printable;
    }
}
