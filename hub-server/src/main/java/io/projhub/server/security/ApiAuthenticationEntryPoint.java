package io.projhub.server.security;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;

/**
 * Answers an unauthenticated request 401 with a problem document, naming the schemes the hub accepts in
 * {@code WWW-Authenticate} — except for the dashboard's own requests ({@code X-Requested-With}), for which a
 * challenge would only pop up the browser's login dialog. Basic is never offered as a challenge for that reason;
 * the admin login still works when sent.
 */
final class ApiAuthenticationEntryPoint implements AuthenticationEntryPoint {

    private final boolean bearer;

    ApiAuthenticationEntryPoint(boolean bearer) {
        this.bearer = bearer;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException refused)
            throws IOException {
        if (!"XMLHttpRequest".equals(request.getHeader("X-Requested-With"))) {
            response.addHeader("WWW-Authenticate", "ApiKey realm=\"projection-hub\"");
            if (bearer) {
                response.addHeader("WWW-Authenticate", "Bearer realm=\"projection-hub\"");
            }
        }
        response.sendError(HttpServletResponse.SC_UNAUTHORIZED, "Authentication is required");
    }
}
