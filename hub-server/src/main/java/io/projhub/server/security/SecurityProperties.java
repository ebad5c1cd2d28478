package io.projhub.server.security;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call the hub ({@code projhub.security.*}); the defaults are here and nowhere else.
 *
 * @param apiKeysFile  the API keys: lines {@code <id> <role> <sha256-hex> [name]} ({@link ApiKeyFile}); none means no
 *                     API keys are accepted
 * @param apiKeysCheck how often the file is looked at again for changes (rotation without a restart)
 * @param jwt          bearer JWTs from an identity provider; off unless an issuer or a JWK set URI is given
 * @param failedAuth   how many failed authentications one client may make per window before it is answered 429
 * @param adminActionsRetention how long the admin action log keeps a row
 */
@ConfigurationProperties("projhub.security")
public record SecurityProperties(Path apiKeysFile, @DefaultValue("2s") Duration apiKeysCheck,
                                 @DefaultValue Jwt jwt, @DefaultValue FailedAuth failedAuth,
                                 @DefaultValue("90d") Duration adminActionsRetention) {

    /**
     * @param issuerUri     the identity provider's issuer: tokens must carry it as {@code iss}; its discovery document
     *                      gives the JWK set unless {@code jwkSetUri} is set
     * @param jwkSetUri     where the signing keys are
     * @param audience      required when JWTs are on: tokens must name it in {@code aud}
     * @param rolesClaim    the claim holding the caller's roles, a dotted path for nested ones
     *                      ({@code realm_access.roles} for Keycloak); names match {@link Role} in any case
     * @param principalClaim the claim naming the caller in logs and event metadata
     */
    public record Jwt(String issuerUri, String jwkSetUri, String audience, String rolesClaim, String principalClaim) {

        /** Blank values (an unset {@code PROJHUB_JWT_*} variable) take these defaults. */
        public Jwt {
            rolesClaim = hasText(rolesClaim) ? rolesClaim.strip() : "roles";
            principalClaim = hasText(principalClaim) ? principalClaim.strip() : "sub";
        }

        public boolean enabled() {
            return hasText(issuerUri) || hasText(jwkSetUri);
        }

        static boolean hasText(String value) {
            return value != null && !value.isBlank();
        }
    }

    /**
     * @param maxFailures failed authentications one client address may make per window
     * @param window      after it, the client may try {@code maxFailures} times again
     */
    public record FailedAuth(@DefaultValue("10") int maxFailures, @DefaultValue("1m") Duration window) {

        public FailedAuth {
            if (maxFailures < 1) {
                throw new IllegalArgumentException("projhub.security.failed-auth.max-failures must be at least 1");
            }
            if (window == null || window.isZero() || window.isNegative()) {
                throw new IllegalArgumentException("projhub.security.failed-auth.window must be positive");
            }
        }
    }

    public SecurityProperties {
        if (apiKeysFile != null && apiKeysFile.toString().isBlank()) {
            apiKeysFile = null;
        }
        if (jwt.enabled() && !Jwt.hasText(jwt.audience())) {
            throw new IllegalArgumentException("projhub.security.jwt.audience is required when JWTs are on: a token "
                    + "issued for another service must not be accepted here");
        }
        if (adminActionsRetention.isZero() || adminActionsRetention.isNegative()) {
            throw new IllegalArgumentException("projhub.security.admin-actions-retention must be positive");
        }
        if (apiKeysCheck.isNegative()) {
            throw new IllegalArgumentException("projhub.security.api-keys-check must not be negative");
        }
    }
}
