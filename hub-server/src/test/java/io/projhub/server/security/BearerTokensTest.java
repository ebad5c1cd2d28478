package io.projhub.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.nimbusds.jwt.JWTClaimsSet;

import io.projhub.server.HubTestBase;
import io.projhub.testsupport.TestIdentityProvider;

/**
 * Bearer JWTs against the test identity provider's real JWK set: a good token with the right role is accepted; an
 * expired one, one without {@code exp}, one not valid yet ({@code nbf}), one from another issuer, one for another
 * audience, one with a forged signature, one signed with a shared secret (HS256) and an unsigned one ({@code alg: none})
 * are all refused with 401, and none of them appends anything.
 */
class BearerTokensTest extends HubTestBase {

    private static final String READ = "/api/lanes";
    private final TestIdentityProvider idp = TestIdentityProvider.get();

    @Test
    void aTokenSignedByTheIdentityProviderWithTheRightRoleIsAccepted() throws Exception {
        assertThat(get(READ, bearer(idp.token("svc-dashboard", "reader"))).statusCode()).isEqualTo(200);
        assertThat(get(READ, bearer(idp.token("svc-ops", "ADMIN"))).statusCode()).as("an admin is a reader")
                .isEqualTo(200);
        HttpResponse<String> admin = get("/api/admin/actions?limit=1", bearer(idp.token("svc-ops", "Admin")));
        assertThat(admin.statusCode()).as(admin.body()).isEqualTo(200);
        JWTClaimsSet reader = idp.claims("svc-rfc9068", List.of("reader")).build();
        assertThat(get(READ, bearer(idp.signTyped(reader, "at+jwt"))).statusCode()).as("typ at+jwt").isEqualTo(200);
        assertThat(get(READ, bearer(idp.signTyped(reader, "secevent+jwt"))).statusCode()).as("another typ")
                .isEqualTo(401);
    }

    @Test
    void aTokenWithoutTheRoleIsForbidden() throws Exception {
        assertThat(get(READ, bearer(idp.token("svc-orders", "writer"))).statusCode()).isEqualTo(403);
        assertThat(get(READ, bearer(idp.token("svc-nobody"))).statusCode()).isEqualTo(403);
        assertThat(get(READ, bearer(idp.token("svc-other", "offline_access", "uma_authorization"))).statusCode())
                .isEqualTo(403);
        assertThat(post("/api/admin/read-models/reload", "", bearer(idp.token("svc-reader", "reader"))).statusCode())
                .isEqualTo(403);
    }

    @Test
    void expiredForeignMisaddressedForgedAndUnsignedTokensAreRefused() throws Exception {
        Instant past = Instant.now().minusSeconds(3600);
        JWTClaimsSet expired = new JWTClaimsSet.Builder(idp.claims("svc", List.of("reader", "writer")).build())
                .issueTime(Date.from(past)).expirationTime(Date.from(past.plusSeconds(300))).build();
        JWTClaimsSet otherIssuer = new JWTClaimsSet.Builder(idp.claims("svc", List.of("reader", "writer")).build())
                .issuer("https://evil.test/realms/projhub").build();
        JWTClaimsSet otherAudience = new JWTClaimsSet.Builder(idp.claims("svc", List.of("reader", "writer")).build())
                .audience("another-service").build();
        JWTClaimsSet good = idp.claims("svc", List.of("reader", "writer")).build();
        JWTClaimsSet neverExpires = new JWTClaimsSet.Builder(good).expirationTime(null).build();
        JWTClaimsSet notYetValid = new JWTClaimsSet.Builder(good)
                .notBeforeTime(Date.from(Instant.now().plusSeconds(3600)))
                .expirationTime(Date.from(Instant.now().plusSeconds(7200))).build();
        Map<String, String> tokens = Map.of(
                "expired", idp.sign(expired),
                "no exp", idp.sign(neverExpires),
                "nbf in the future", idp.sign(notYetValid),
                "HS256 with a shared secret", idp.signedWithASharedSecret(good),
                "wrong issuer", idp.sign(otherIssuer),
                "wrong audience", idp.sign(otherAudience),
                "bad signature", idp.signWithAnotherKey(good),
                "alg none", idp.unsigned(good),
                "garbage", "not.a.token");
        String stream = "bearer-refused-" + java.util.UUID.randomUUID();
        for (Map.Entry<String, String> token : tokens.entrySet()) {
            HttpResponse<String> read = get(READ, bearer(token.getValue()));
            assertThat(read.statusCode()).as(token.getKey() + ": " + read.body()).isEqualTo(401);
            HttpResponse<String> append = post("/api/streams/" + stream + "/events", """
                    {"events": [{"type": "Ping", "data": {}}]}""", bearer(token.getValue()));
            assertThat(append.statusCode()).as(token.getKey() + ": " + append.body()).isEqualTo(401);
        }
        assertThat(get("/api/streams/" + stream).statusCode()).as("nothing was appended").isEqualTo(404);
        assertThat(post("/api/streams/" + stream + "/events", """
                {"events": [{"type": "Ping", "data": {}}]}""", bearer(idp.sign(good))).statusCode())
                .as("the same request with a good token").isEqualTo(201);
    }

    @Test
    void rolesComeFromAConfigurableClaimPathInAnyCase() {
        JwtRoles keycloak = new JwtRoles("realm_access.roles", "preferred_username");
        var jwt = org.springframework.security.oauth2.jwt.Jwt.withTokenValue("t").header("alg", "RS256")
                .subject("0f3c").claim("preferred_username", "orders-service")
                .claim("realm_access", Map.of("roles", List.of("Writer", "offline_access"))).build();

        var authentication = keycloak.convert(jwt);

        assertThat(authentication.getName()).isEqualTo("orders-service");
        assertThat(authentication.getAuthorities()).extracting(Object::toString).containsExactly("ROLE_WRITER");
        var scopes = new JwtRoles("scope", "sub").convert(org.springframework.security.oauth2.jwt.Jwt
                .withTokenValue("t").header("alg", "RS256").subject("s").claim("scope", "openid reader admin").build());
        assertThat(scopes.getAuthorities()).extracting(Object::toString)
                .containsExactlyInAnyOrder("ROLE_READER", "ROLE_ADMIN");
    }

    @Test
    void aRolesClaimNameWithDotsIsTakenWholeFirstThenAsAPath() {
        String auth0 = "https://projhub.example/roles";
        var whole = new JwtRoles(auth0, "sub").convert(org.springframework.security.oauth2.jwt.Jwt.withTokenValue("t")
                .header("alg", "RS256").subject("s").claim(auth0, List.of("reader")).build());
        assertThat(whole.getAuthorities()).extracting(Object::toString).containsExactly("ROLE_READER");

        JwtRoles nested = new JwtRoles("realm_access.roles", "sub");
        var path = nested.convert(org.springframework.security.oauth2.jwt.Jwt.withTokenValue("t").header("alg", "RS256")
                .subject("s").claim("realm_access", Map.of("roles", List.of("admin"))).build());
        assertThat(path.getAuthorities()).extracting(Object::toString).containsExactly("ROLE_ADMIN");
        var flat = nested.convert(org.springframework.security.oauth2.jwt.Jwt.withTokenValue("t").header("alg", "RS256")
                .subject("s").claim("realm_access.roles", "writer")
                .claim("realm_access", Map.of("roles", List.of("admin"))).build());
        assertThat(flat.getAuthorities()).as("the whole name wins over the path").extracting(Object::toString)
                .containsExactly("ROLE_WRITER");
    }
}
