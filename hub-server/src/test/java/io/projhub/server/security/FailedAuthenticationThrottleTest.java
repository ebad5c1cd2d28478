package io.projhub.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.projhub.server.HubTestBase;
import io.projhub.server.TestCredentials;
import io.projhub.testsupport.TestIdentityProvider;

/**
 * Guessing credentials from one address is slowed down: after the failures the window allows (50 per 5 s in the test
 * hub), that address's wrong keys are answered 429 with Retry-After, and so is its HTTP Basic even with the right
 * password (not looked at), while a valid key or token from the same address (another client behind the same NAT)
 * still passes, and other addresses go on as before; once the window has passed it may fail again. The burst comes
 * from a loopback address of its own (127.0.0.2), so the other tests' client (127.0.0.1) is never blocked.
 */
class FailedAuthenticationThrottleTest extends HubTestBase {

    private static final String GUESSER = "127.0.0.2";

    record Answer(int status, String retryAfter) {
    }

    @Test
    void repeatedFailuresFromOneAddressAreAnswered429UntilTheWindowPasses() throws Exception {
        Answer answer = null;
        int attempts = 0;
        while (attempts < 200) {
            attempts++;
            answer = get(GUESSER, "/api/lanes", key(TestCredentials.newKey("guess" + attempts)));
            if (answer.status() == 429) {
                break;
            }
            assertThat(answer.status()).as("attempt " + attempts).isEqualTo(401);
        }
        assertThat(answer.status()).as("after %d failed attempts", attempts).isEqualTo(429);
        assertThat(attempts).as("failures allowed first (50 per window, maybe across two windows)")
                .isBetween(51, 102);
        assertThat(Long.parseLong(answer.retryAfter())).isBetween(1L, 5L);

        Answer wrongKey = get(GUESSER, "/api/lanes", key(TestCredentials.newKey("guess-blocked")));
        assertThat(wrongKey.status()).as("a wrong key from the blocked address").isEqualTo(429);
        assertThat(wrongKey.retryAfter()).isNotBlank();
        assertThat(get(GUESSER, "/api/lanes", key(TestCredentials.READER)).status())
                .as("a valid key from the blocked address is checked and passes").isEqualTo(200);
        assertThat(get(GUESSER, "/api/lanes", "Authorization: Bearer "
                + TestIdentityProvider.get().token("svc-behind-the-nat", "reader")).status())
                .as("a valid token from the blocked address passes").isEqualTo(200);
        assertThat(get(GUESSER, "/api/lanes", "Authorization: Bearer not.a.token").status())
                .as("a bad token from the blocked address").isEqualTo(429);
        String basic = Base64.getEncoder().encodeToString(("admin:" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        assertThat(get(GUESSER, "/api/lanes", "Authorization: Basic " + basic).status())
                .as("Basic from the blocked address, even with the right password, is not looked at").isEqualTo(429);
        assertThat(get(GUESSER, "/actuator/health", null).status()).as("a request without credentials is not blocked")
                .isIn(200, 503);
        assertThat(get("/api/lanes", apiKey(TestCredentials.READER)).statusCode()).as("another address")
                .isEqualTo(200);

        Awaitility.await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(250)).until(() ->
                get(GUESSER, "/api/lanes", key(TestCredentials.newKey("after-the-window"))).status() == 401);
        assertThat(get(GUESSER, "/api/lanes", "Authorization: Basic " + basic).status())
                .as("the admin login after the window").isEqualTo(200);
    }

    private static String key(String key) {
        return "X-API-Key: " + key;
    }

    /** A GET from the given local address, with this header line unless null, over a plain socket. */
    private Answer get(String from, String path, String header) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + (header == null ? "" : header + "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int status = Integer.parseInt(response.substring(9, 12));
            String retryAfter = null;
            for (String line : response.split("\r\n")) {
                if (line.isEmpty()) {
                    break;
                }
                if (line.toLowerCase(Locale.ROOT).startsWith("retry-after:")) {
                    retryAfter = line.substring("retry-after:".length()).strip();
                }
            }
            return new Answer(status, retryAfter);
        }
    }
}
