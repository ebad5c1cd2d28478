package io.projhub.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.projhub.faults.HostileRequests.Request;

/**
 * The generator alone (no hub): every request carries the credential its endpoint's role needs, except the admin
 * requests and the credential attacks; failing credentials come from addresses other than the main client's; the
 * same seed gives the same requests.
 */
class HostileRequestsTest {

    private static final String WRITER = "phk_benchwriter_" + "w".repeat(43);
    private static final String READER = "phk_benchreader_" + "r".repeat(43);
    private static final String ADMIN = "phk_benchadmin_" + "a".repeat(43);

    private static List<Request> generate() {
        Map<String, String> forged = new TreeMap<>(Map.of("alg none", "e30.e30.", "expired", "x.y.z"));
        Map<String, String> withoutRole = new TreeMap<>(Map.of("reader", "r.r.r"));
        HostileRequests.Fixtures fixtures = new HostileRequests.Fixtures("c", "ci", "o", "os", "oc", "a", "e", "k",
                new HostileRequests.Credentials(WRITER, READER, ADMIN, "pw", forged, withoutRole, "w.w.w"));
        return new HostileRequests(20261125L, fixtures).generate(10_400);
    }

    @Test
    void everyRequestButTheAttacksCarriesItsRolesCredential() {
        List<Request> requests = generate();
        long attacks = 0;
        for (Request r : requests) {
            if (r.credentialAttack()) {
                attacks++;
                continue;
            }
            if (r.endpoint().startsWith("POST /api/admin")) {
                assertThat(r.headers().values()).as(r.path()).doesNotContain(ADMIN);
                continue;
            }
            String expected = r.method().equals("GET") || r.method().equals("HEAD") ? READER : WRITER;
            if (r.raw() != null) {
                assertThat(new String(r.raw(), StandardCharsets.ISO_8859_1)).contains("\r\nX-API-Key: " + expected + "\r\n");
            } else {
                assertThat(r.headers()).as(r.category() + " " + r.method() + " " + r.path())
                        .containsEntry("X-API-Key", expected);
            }
            assertThat(r.from()).isNull();
        }
        assertThat(attacks).isBetween(500L, 1000L);
        assertThat(requests.stream().filter(Request::credentialAttack).map(Request::category).distinct().count())
                .isGreaterThanOrEqualTo(8);
    }

    @Test
    void failingCredentialsComeFromAddressesOfTheirOwn() {
        for (Request r : generate()) {
            boolean failsAuthentication = r.category().contains("unknown or mangled key")
                    || r.category().contains("forged token") || r.category().contains("malformed Authorization")
                    || r.category().contains("brute force")
                    || (r.endpoint().startsWith("POST /api/admin") && r.headers().containsKey("Authorization")
                    && !r.credentialAttack());
            if (failsAuthentication) {
                assertThat(r.from()).as(r.category()).isNotNull().isNotEqualTo("127.0.0.1");
            }
            if (r.category().contains("brute force")) {
                assertThat(r.from()).isEqualTo(HostileRequests.BRUTE_FORCE_ADDRESS);
            }
        }
    }

    @Test
    void eachKindOfCredentialAttackSendsWhatItSaysAndExpectsItsOwnRefusals() {
        for (Request r : generate()) {
            if (!r.credentialAttack()) {
                continue;
            }
            String authorization = r.headers().getOrDefault("Authorization", "");
            if (r.category().endsWith(HostileRequests.TOKEN_WITHOUT_THE_ROLE)) {
                assertThat(authorization).as(r.endpoint()).startsWith("Bearer ");
            }
            if (r.category().endsWith(HostileRequests.ADMIN_LOGIN_WITHOUT_THE_ROLE)) {
                assertThat(authorization).startsWith("Basic ");
                assertThat(r.method()).isEqualTo("POST");
                assertThat(r.endpoint()).doesNotStartWith("POST /api/admin");
            }
            if (r.category().endsWith(HostileRequests.KEY_WITHOUT_THE_ROLE) && r.method().equals("GET")) {
                assertThat(r.headers().toString()).contains(WRITER);
            }
            assertThat(HostileRequests.refusalsOf(r.category())).as(r.category()).isNotEmpty()
                    .doesNotContain(200, 201, 500);
            assertThat(HostileRequests.refusalsOf(r.category()).contains(400))
                    .isEqualTo(r.category().endsWith(HostileRequests.MALFORMED_AUTHORIZATION));
        }
    }

    @Test
    void theSameSeedGivesTheSameRequests() {
        List<Request> first = generate();
        List<Request> second = generate();
        for (int i = 0; i < first.size(); i++) {
            assertThat(second.get(i).path()).isEqualTo(first.get(i).path());
            assertThat(second.get(i).headers()).isEqualTo(first.get(i).headers());
            assertThat(second.get(i).from()).isEqualTo(first.get(i).from());
        }
    }
}
