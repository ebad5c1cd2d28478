package io.projhub.server.security;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;

/**
 * Slows down guessing: each client address may fail authentication {@code maxFailures} times per window (a Bucket4j
 * bucket per address, refilled all at once when the window ends). Once it is empty, every request of that address
 * that carries credentials is answered 429 with {@code Retry-After}, without looking at the credentials — a right
 * one included, so a guess that happens to be right during the block teaches the guesser nothing. Successful
 * authentications take nothing from the bucket; requests without credentials are not affected.
 * <p>
 * The client address is {@code request.getRemoteAddr()}: behind a proxy, {@code server.forward-headers-strategy}
 * decides whether the proxy's {@code X-Forwarded-For} replaces it (only trust a proxy that overwrites it).
 */
final class FailedAuthenticationThrottle extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(FailedAuthenticationThrottle.class);
    private static final int MAX_TRACKED_CLIENTS = 10_000;

    private final SecurityProperties.FailedAuth settings;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    FailedAuthenticationThrottle(SecurityProperties.FailedAuth settings) {
        this.settings = settings;
    }

    static boolean carriesCredentials(HttpServletRequest request) {
        return request.getHeader("Authorization") != null || request.getHeader(ApiKeyAuthenticationFilter.HEADER) != null;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!carriesCredentials(request)) {
            chain.doFilter(request, response);
            return;
        }
        String client = request.getRemoteAddr();
        Bucket bucket = buckets.get(client);
        if (bucket != null && bucket.getAvailableTokens() <= 0) {
            long nanos = bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill();
            response.setHeader("Retry-After", Long.toString(Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L)));
            response.sendError(HttpStatus.TOO_MANY_REQUESTS.value(),
                    "Too many failed authentications from this address; try again later");
            return;
        }
        chain.doFilter(request, response);
        if (response.getStatus() == HttpStatus.UNAUTHORIZED.value()) {
            failed(client);
        }
    }

    private void failed(String client) {
        if (buckets.size() >= MAX_TRACKED_CLIENTS) {
            buckets.values().removeIf(b -> b.getAvailableTokens() >= settings.maxFailures());
        }
        Bucket bucket = buckets.computeIfAbsent(client, c -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(settings.maxFailures())
                        .refillIntervally(settings.maxFailures(), settings.window()).build())
                .build());
        if (bucket.tryConsume(1) && bucket.getAvailableTokens() == 0) {
            log.warn("event=auth-throttled remote={} failures={} window={}", client, settings.maxFailures(),
                    settings.window());
        }
    }
}
