package io.projhub.server.security;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UrlPathHelper;

import io.projhub.core.eventstore.AppendedBy;

/**
 * Records every request to {@code /api/admin/**} once its status is known, refusals (401, 403, 429) included, in
 * the {@link AdminActionLog} — except a 401 to a request that carried no credentials at all (nobody's action; anyone
 * could fill the table with them) and a successful read of the log itself (the dashboard polls it). The path is the
 * decoded one within the application, as security and MVC match it ({@code /api/%61dmin/...} is an admin request).
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
            recordQuietly(request, status);
        }
    }

    /** Records the request if it is an admin action; whatever goes wrong is a warning, never the request's failure. */
    private void recordQuietly(HttpServletRequest request, int status) {
        AdminAction entry = null;
        try {
            entry = entry(request, status);
            if (entry != null) {
                actions.record(entry);
                log.info("event=admin-action principal={} via={} action=\"{}\" remote={} outcome={}",
                        entry.principal(), entry.via(), entry.action(), entry.remoteAddress(), status);
            }
        } catch (RuntimeException e) {
            log.warn("event=admin-action-unrecorded principal={} action=\"{}\" outcome={} error=\"{}\"",
                    entry == null ? "?" : entry.principal(), entry == null ? "?" : entry.action(), status,
                    clean(String.valueOf(e.getMessage())));
        }
    }

    /** The entry for the log, or null if the request is not recorded. */
    private static AdminAction entry(HttpServletRequest request, int status) {
        String path = path(request);
        String method = request.getMethod();
        String action = AdminActionNames.of(method, path);
        boolean listing = "GET".equals(method) && status < 400 && action.equals("list admin actions");
        boolean nobody = status == 401 && !FailedAuthenticationThrottle.carriesCredentials(request);
        if (listing || nobody) {
            return null;
        }
        AppendedBy caller = Callers.current();
        String detail = switch (status) {
            case 401 -> "refused: the credentials were not accepted";
            case 403 -> "refused: the caller's role does not grant this action";
            case 429 -> "refused: too many failed authentications from this address";
            default -> null;
        };
        return new AdminAction(0, null, caller == null ? "anonymous" : clean(caller.name()),
                caller == null ? null : caller.via(), clean(method), clean(path), clean(action),
                clean(request.getRemoteAddr()), status, detail);
    }

    /** The decoded path within the application (percent-decoded, {@code ;} parameters removed), as matched. */
    private static String path(HttpServletRequest request) {
        return UrlPathHelper.defaultInstance.getPathWithinApplication(request);
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
