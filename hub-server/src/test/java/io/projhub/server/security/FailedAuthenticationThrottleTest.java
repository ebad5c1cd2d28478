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
import java.util.Locale;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.projhub.server.HubTestBase;
import io.projhub.server.TestCredentials;

/**
 * Guessing credentials from one address is slowed down: after the failures the window allows (50 per 5 s in the test
 * hub), that address is answered 429 with Retry-After — even with a right key, which is not looked at — while other
 * addresses go on as before, and it may try again once the window has passed. The burst comes from a loopback
 * address of its own (127.0.0.2), so the other tests' client (127.0.0.1) is never blocked.
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
            answer = get(GUESSER, "/api/lanes", TestCredentials.newKey("guess" + attempts));
            if (answer.status() == 429) {
                break;
            }
            assertThat(answer.status()).as("attempt " + attempts).isEqualTo(401);
        }
        assertThat(answer.status()).as("after %d failed attempts", attempts).isEqualTo(429);
        assertThat(attempts).as("failures allowed first (50 per window, maybe across two windows)")
                .isBetween(51, 102);
        assertThat(Long.parseLong(answer.retryAfter())).isBetween(1L, 5L);

        assertThat(get(GUESSER, "/api/lanes", TestCredentials.READER).status())
                .as("a right key from the blocked address is not looked at").isEqualTo(429);
        assertThat(get(GUESSER, "/actuator/health", null).status()).as("a request without credentials is not blocked")
                .isIn(200, 503);
        assertThat(get("/api/lanes", apiKey(TestCredentials.READER)).statusCode()).as("another address")
                .isEqualTo(200);

        Awaitility.await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(250)).until(() ->
                get(GUESSER, "/api/lanes", TestCredentials.READER).status() == 200);
    }

    /** A GET from the given local address, with an API key unless null, over a plain socket. */
    private Answer get(String from, String path, String key) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + (key == null ? "" : "X-API-Key: " + key + "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII));
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
