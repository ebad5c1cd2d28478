package io.projhub.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.projhub.server.HubTestBase;
import io.projhub.server.TestCredentials;

/**
 * API keys from the keys file: each role's key opens its endpoints only; a key the file does not hold, or a key
 * whose secret is wrong, is 401; keys are added and removed without a restart; neither keys nor hashes are logged.
 */
@ExtendWith(OutputCaptureExtension.class)
class ApiKeysTest extends HubTestBase {

    @Test
    void eachKeyOpensTheEndpointsOfItsRole() throws Exception {
        assertThat(get("/api/lanes", apiKey(TestCredentials.READER)).statusCode()).isEqualTo(200);
        assertThat(get("/api/lanes", "Authorization", "ApiKey " + TestCredentials.READER).statusCode())
                .as("the Authorization: ApiKey form").isEqualTo(200);
        assertThat(get("/api/lanes", apiKey(TestCredentials.ADMIN)).statusCode()).as("an admin reads").isEqualTo(200);
        assertThat(get("/api/lanes", apiKey(TestCredentials.WRITER)).statusCode()).isEqualTo(403);
        assertThat(post("/api/customers", "{}", apiKey(TestCredentials.READER)).statusCode()).isEqualTo(403);
        assertThat(post("/api/customers", "{}", apiKey(TestCredentials.ADMIN)).statusCode())
                .as("an admin is not a writer").isEqualTo(403);
        assertThat(post("/api/customers", "{}", apiKey(TestCredentials.WRITER)).statusCode())
                .as("the writer gets past security to validation").isEqualTo(400);
        assertThat(get("/api/admin/actions", apiKey(TestCredentials.READER)).statusCode()).isEqualTo(403);
        assertThat(get("/api/admin/actions", apiKey(TestCredentials.ADMIN)).statusCode()).isEqualTo(200);
        assertThat(get("/actuator/prometheus", apiKey(TestCredentials.READER)).statusCode()).isEqualTo(200);
        assertThat(get("/actuator/prometheus", ANONYMOUS).statusCode()).isEqualTo(401);
        assertThat(get("/actuator/metrics", apiKey(TestCredentials.READER)).statusCode()).isEqualTo(200);
        assertThat(get("/actuator/info", apiKey(TestCredentials.READER)).statusCode()).isEqualTo(200);
        assertThat(get("/actuator", apiKey(TestCredentials.READER)).statusCode()).as("nothing else of the actuator")
                .isEqualTo(403);
        assertThat(get("/actuator/env", apiKey(TestCredentials.ADMIN)).statusCode()).isEqualTo(403);
        assertThat(get("/actuator/health", ANONYMOUS).statusCode()).as("open for load balancers").isIn(200, 503);
    }

    @Test
    void anUnknownOrWrongKeyIsRefused() throws Exception {
        String id = io.projhub.server.security.ApiKey.idOf(TestCredentials.READER);
        String wrongSecret = TestCredentials.newKey(id);
        for (String key : new String[] {wrongSecret, TestCredentials.newKey("nosuchkey"), "not-a-key",
                TestCredentials.READER + "x", ""}) {
            HttpResponse<String> response = get("/api/lanes", apiKey(key));
            assertThat(response.statusCode()).as("'%s': %s", key, response.body()).isEqualTo(401);
            assertThat(response.body()).doesNotContain(key.isEmpty() ? "\u0000" : key);
        }
    }

    @Test
    void aKeyMadeByTheDeployScriptIsAcceptedAtOnce() throws Exception {
        String original = Files.readString(TestCredentials.KEYS_FILE);
        try {
            ProcessBuilder script = new ProcessBuilder("bash", "../deploy/api-key.sh", "writer", "billing service")
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            script.environment().put("PROJHUB_API_KEYS_FILE", TestCredentials.KEYS_FILE.toString());
            Process process = script.start();
            String key = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(process.waitFor()).isZero();
            assertThat(ApiKey.idOf(key)).isNotNull();
            assertThat(Files.readString(TestCredentials.KEYS_FILE)).doesNotContain(key)
                    .contains(ApiKey.sha256Hex(key) + " billing service");

            assertThat(post("/api/customers", "{}", apiKey(key)).statusCode()).isEqualTo(400);
            assertThat(get("/api/lanes", apiKey(key)).statusCode()).isEqualTo(403);
        } finally {
            Files.writeString(TestCredentials.KEYS_FILE, original, StandardCharsets.UTF_8);
        }
    }

    @Test
    void keysRotateWithoutARestartAndNeverAppearInTheLog(CapturedOutput output) throws Exception {
        String original = Files.readString(TestCredentials.KEYS_FILE);
        String next = TestCredentials.newKey("rotated" + System.nanoTime());
        try {
            assertThat(get("/api/lanes", apiKey(next)).statusCode()).isEqualTo(401);

            Files.writeString(TestCredentials.KEYS_FILE, original + TestCredentials.line(next, "reader", "rotated")
                    + "\nthis line is malformed\n", StandardCharsets.UTF_8);
            assertThat(get("/api/lanes", apiKey(next)).statusCode()).as("the new key, without a restart")
                    .isEqualTo(200);
            assertThat(get("/api/lanes", apiKey(TestCredentials.READER)).statusCode())
                    .as("the old key until it is removed; a malformed line leaves the others").isEqualTo(200);

            Files.writeString(TestCredentials.KEYS_FILE, original.replace(
                    TestCredentials.line(TestCredentials.READER, "reader", "test-reader"), "")
                    + TestCredentials.line(next, "reader", "rotated") + "\n", StandardCharsets.UTF_8);
            assertThat(get("/api/lanes", apiKey(TestCredentials.READER)).statusCode()).as("the old key, removed")
                    .isEqualTo(401);
            assertThat(get("/api/lanes", apiKey(next)).statusCode()).isEqualTo(200);
        } finally {
            Files.writeString(TestCredentials.KEYS_FILE, original, StandardCharsets.UTF_8);
        }
        assertThat(get("/api/lanes", apiKey(TestCredentials.READER)).statusCode()).isEqualTo(200);
        assertThat(get("/api/lanes", apiKey(next)).statusCode()).isEqualTo(401);
        assertThat(output.getAll()).contains("api-keys-loaded").doesNotContain(next)
                .doesNotContain(ApiKey.sha256Hex(next)).doesNotContain(TestCredentials.READER)
                .doesNotContain(ApiKey.idOf(next) + "_");
    }
}
