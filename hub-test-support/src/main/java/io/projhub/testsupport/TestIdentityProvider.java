package io.projhub.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

/**
 * A real (if tiny) identity provider for test hubs: an RSA key, its JWK set served over HTTP on a random port, and
 * tokens signed with it — or with a key the JWK set does not have, or not at all. One per JVM (a static test fixture);
 * {@link #properties()} are the hub's settings that trust it.
 */
public final class TestIdentityProvider {

    public static final String ISSUER = "https://idp.test/realms/projhub";
    public static final String AUDIENCE = "projection-hub";
    private static final TestIdentityProvider INSTANCE = new TestIdentityProvider();

    private final RSAKey key;
    private final RSAKey stranger;
    private final HttpServer server;

    private TestIdentityProvider() {
        try {
            key = new RSAKeyGenerator(2048).keyID("test-key").generate();
            stranger = new RSAKeyGenerator(2048).keyID("test-key").generate();
            byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/jwks", exchange -> {
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, jwks.length);
                exchange.getResponseBody().write(jwks);
                exchange.close();
            });
            server.start();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TestIdentityProvider get() {
        return INSTANCE;
    }

    public String jwkSetUri() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
    }

    /** Claims of a good token for {@code subject} with these roles (in the {@code roles} claim), valid 5 minutes. */
    public JWTClaimsSet.Builder claims(String subject, List<String> roles) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject(subject)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)))
                .claim("roles", roles);
    }

    public String sign(JWTClaimsSet claims) {
        return sign(claims, key);
    }

    /** Signed by the provider's key with this {@code typ} header (e.g. RFC 9068's {@code at+jwt}). */
    public String signTyped(JWTClaimsSet claims, String typ) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                    .type(new JOSEObjectType(typ)).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signed by a key with the same key id that the JWK set does not hold: a forged signature. */
    public String signWithAnotherKey(JWTClaimsSet claims) {
        return sign(claims, stranger);
    }

    /** HS256 with a made-up secret: an algorithm the hub never accepts (a classic confusion attack). */
    public String signedWithASharedSecret(JWTClaimsSet claims) {
        try {
            byte[] secret = new byte[32];
            new java.security.SecureRandom().nextBytes(secret);
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(),
                    claims);
            jwt.sign(new com.nimbusds.jose.crypto.MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code alg: none}: no signature at all. */
    public String unsigned(JWTClaimsSet claims) {
        return new PlainJWT(claims).serialize();
    }

    public String token(String subject, String... roles) {
        return sign(claims(subject, List.of(roles)).build());
    }

    /** The hub's {@code projhub.security.jwt.*} settings that trust this provider. */
    public static Map<String, String> properties() {
        return Map.of("projhub.security.jwt.jwk-set-uri", get().jwkSetUri(),
                "projhub.security.jwt.issuer-uri", ISSUER,
                "projhub.security.jwt.audience", AUDIENCE);
    }

    private static String sign(JWTClaimsSet claims, RSAKey with) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(with.getKeyID())
                    .type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new RSASSASigner(with));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
