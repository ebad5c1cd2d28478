package io.projhub.server.security;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtAudienceValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtTypeValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * The decoder of bearer JWTs from the configured identity provider: keys from the JWK set URI (else the issuer's
 * discovery document, fetched on first use, so the hub starts while the provider is away), signatures RS256 only
 * ({@code alg: none} and symmetric algorithms are refused), then time ({@code exp}, {@code nbf}), {@code typ}
 * ({@code JWT}, {@code at+jwt} or none),
 * issuer (when configured) and audience (always) checked.
 */
final class IdentityProviderTokens {

    private static final Logger log = LoggerFactory.getLogger(IdentityProviderTokens.class);

    private IdentityProviderTokens() {
    }

    static JwtDecoder decoder(SecurityProperties.Jwt jwt) {
        NimbusJwtDecoder decoder = SecurityProperties.Jwt.hasText(jwt.jwkSetUri())
                ? NimbusJwtDecoder.withJwkSetUri(jwt.jwkSetUri()).jwsAlgorithm(SignatureAlgorithm.RS256).build()
                : NimbusJwtDecoder.withIssuerLocation(jwt.issuerUri()).jwsAlgorithm(SignatureAlgorithm.RS256).build();
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        // exp required (the default validator lets a token without one live for ever); nbf checked when present
        JwtTimestampValidator time = new JwtTimestampValidator();
        time.setAllowEmptyExpiryClaim(false);
        validators.add(time);
        if (SecurityProperties.Jwt.hasText(jwt.issuerUri())) {
            validators.add(new JwtIssuerValidator(jwt.issuerUri()));
        } else {
            log.warn("event=jwt-issuer-unchecked reason=\"projhub.security.jwt.issuer-uri is not set: any issuer "
                    + "whose keys are in the JWK set is accepted\"");
        }
        validators.add(new JwtAudienceValidator(jwt.audience()));
        // typ JWT, RFC 9068's at+jwt (some providers' access tokens), or none
        JwtTypeValidator types = new JwtTypeValidator("JWT", "at+jwt");
        types.setAllowEmpty(true);
        validators.add(types);
        decoder.setJwtValidator(JwtValidators.createDefaultWithValidators(validators));
        log.info("event=jwt-on issuer={} jwk_set_uri={} audience={} roles_claim={}", jwt.issuerUri(),
                jwt.jwkSetUri(), jwt.audience(), jwt.rolesClaim());
        return decoder;
    }
}
