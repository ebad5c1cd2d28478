package io.projhub.server.security;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Slows down guessing: each client address may fail authentication {@code maxFailures} times per window
 * ({@link FailedAuthentications}). Once it has, until the window ends:
 * <ul>
 * <li>HTTP Basic (a password, which can be guessed) is answered 429 with {@code Retry-After} without being looked at,
 * a right one included, so a guess that happens to be right during the block teaches the guesser nothing;</li>
 * <li>an API key or a bearer JWT (random, not guessable) is checked as usual: a valid one passes, so the other
 * clients behind the same address (a NAT, a proxy) go on working; an invalid one is answered 429, not 401.</li>
 * </ul>
 * Requests without credentials are not affected, and successful authentications take nothing from the allowance (a
 * request with credentials takes one failure up front, so concurrent guesses cannot all pass a check at once, and
 * gives it back when it is not refused 401).
 * <p>
 * The client address is {@code request.getRemoteAddr()}: behind a proxy, only a proxy listed in
 * {@code server.tomcat.remoteip.internal-proxies} may replace it (README, "Behind a TLS-terminating proxy").
 */
final class FailedAuthenticationThrottle extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(FailedAuthenticationThrottle.class);
    private static final String TOO_MANY = "Too many failed authentications from this address; try again later";

    private final SecurityProperties.FailedAuth settings;
    private final FailedAuthentications failures;

    FailedAuthenticationThrottle(SecurityProperties.FailedAuth settings) {
        this.settings = settings;
        this.failures = new FailedAuthentications(settings.maxFailures(), settings.window(),
                FailedAuthentications.MAX_CLIENTS);
    }

    static boolean carriesCredentials(HttpServletRequest request) {
        return request.getHeader("Authorization") != null || request.getHeader(ApiKeyAuthenticationFilter.HEADER) != null;
    }

    private static boolean basic(HttpServletRequest request) {
        String authorization = request.getHeader("Authorization");
        return request.getHeader(ApiKeyAuthenticationFilter.HEADER) == null && authorization != null
                && authorization.regionMatches(true, 0, "Basic ", 0, "Basic ".length());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!carriesCredentials(request)) {
            chain.doFilter(request, response);
            return;
        }
        String client = FailedAuthentications.clientOf(request.getRemoteAddr());
        FailedAuthentications.Attempt attempt = failures.attempt(client);
        if (attempt.allowed()) {
            try {
                chain.doFilter(request, response);
            } finally {
                if (response.getStatus() == HttpStatus.UNAUTHORIZED.value()) {
                    if (attempt.last()) {
                        log.warn("event=auth-throttled remote={} failures={} window={}", client,
                                settings.maxFailures(), settings.window());
                    }
                } else {
                    failures.giveBack(client, attempt);
                }
            }
            return;
        }
        String retryAfter = Long.toString(attempt.retryAfterSeconds());
        if (basic(request)) {
            tooMany(response, retryAfter);
            return;
        }
        chain.doFilter(request, new RefusalsAsTooMany(response, retryAfter));
    }

    private static void tooMany(HttpServletResponse response, String retryAfter) throws IOException {
        response.setHeader("Retry-After", retryAfter);
        response.sendError(HttpStatus.TOO_MANY_REQUESTS.value(), TOO_MANY);
    }

    /** While the address is blocked: a refused key or token is answered 429 (without a challenge), not 401. */
    private static final class RefusalsAsTooMany extends HttpServletResponseWrapper {

        private final String retryAfter;

        RefusalsAsTooMany(HttpServletResponse response, String retryAfter) {
            super(response);
            this.retryAfter = retryAfter;
        }

        @Override
        public void sendError(int status, String message) throws IOException {
            if (status == HttpServletResponse.SC_UNAUTHORIZED) {
                tooMany((HttpServletResponse) getResponse(), retryAfter);
            } else {
                super.sendError(status, message);
            }
        }

        @Override
        public void sendError(int status) throws IOException {
            sendError(status, null);
        }

        @Override
        public void setStatus(int status) {
            if (status == HttpServletResponse.SC_UNAUTHORIZED) {
                super.setHeader("Retry-After", retryAfter);
                super.setStatus(HttpStatus.TOO_MANY_REQUESTS.value());
            } else {
                super.setStatus(status);
            }
        }

        @Override
        public void addHeader(String name, String value) {
            if (!"WWW-Authenticate".equalsIgnoreCase(name)) {
                super.addHeader(name, value);
            }
        }

        @Override
        public void setHeader(String name, String value) {
            if (!"WWW-Authenticate".equalsIgnoreCase(name)) {
                super.setHeader(name, value);
            }
        }
    }
}
