package io.projhub.server.security;

import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

import io.projhub.core.eventstore.AppendedBy;

/** Who the current request's caller is, as recorded in event metadata and the admin action log: never a secret. */
public final class Callers {

    public static final String VIA_API_KEY = "api-key";
    public static final String VIA_JWT = "jwt";
    public static final String VIA_BASIC = "basic";

    private Callers() {
    }

    /** The current request's authenticated caller, or null if the request is anonymous. */
    public static AppendedBy current() {
        return of(SecurityContextHolder.getContext().getAuthentication());
    }

    static AppendedBy of(Authentication authentication) {
        if (authentication == null || !authentication.isAuthenticated()
                || authentication instanceof AnonymousAuthenticationToken) {
            return null;
        }
        String via = authentication instanceof ApiKeyAuthentication ? VIA_API_KEY
                : authentication instanceof JwtAuthenticationToken ? VIA_JWT : VIA_BASIC;
        String name = authentication.getName();
        return new AppendedBy(name == null || name.isBlank() ? "unnamed" : name, via);
    }
}
