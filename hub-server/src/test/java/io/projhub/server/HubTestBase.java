package io.projhub.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.TestIdentityProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole hub on a random port against the real stores. Every test class that extends this shares one
 * application context (one subscriber, one set of lanes), so the suite starts the hub once.
 */
@RealStores
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "projhub.admin.password=" + HubTestBase.ADMIN_PASSWORD,
        "projhub.projection.poll-interval=200ms",
        "projhub.projection.status-interval=500ms",
        "projhub.stores.jdbc.schema=read_model_test",
        "projhub.projection.namespace=test-",
        // A quick monitor, so a read model that stays behind raises its alert within seconds (about 9 s of
        // checks), yet a healthy store warming up after a fresh start (Neo4j's first batches) raises nothing.
        "projhub.monitor.lag-interval=1s",
        "projhub.monitor.verification.initial-delay=500ms",
        "projhub.monitor.verification.initial-interval=500ms",
        "projhub.monitor.verification.max-interval=3s",
        "projhub.monitor.verification.max-attempts=5",
        "projhub.monitor.alerts.evaluation-interval=1s",
        "projhub.monitor.alerts.recheck-interval=1s",
        // A lane whose store is down raises its lane alert after 10 s (the writes it has not reached are lag).
        "projhub.monitor.alerts.lane-stalled-after=10s",
        // Audits only on request (DriftAuditTest): a periodic audit of the shared hub would re-drive other tests'
        // streams while they run.
        "projhub.audit.interval=0s",
        // Keys are looked for at every authentication, so a test that rotates them sees it at once.
        "projhub.security.api-keys-check=0s",
        // Generous for the shared hub (tests that send bad credentials on purpose share one address); the throttle
        // test blocks another loopback address of its own.
        "projhub.security.failed-auth.max-failures=50",
        "projhub.security.failed-auth.window=5s"})
public abstract class HubTestBase {

    public static final String ADMIN_PASSWORD = "test-admin-password";
    /**
     * Passed as headers, asks the helpers to send the request without any credential (the marker is not sent).
     * Without it, a request that names no credential of its own gets the reader's key for a GET and the writer's for
     * anything else, except under {@code /api/admin/}, which tests always call with an explicit credential.
     */
    public static final String[] ANONYMOUS = {"X-Test-Anonymous", "true"};
    protected static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * The hub's definition folder in tests: a copy of the shipped {@code read-models/} (the accounts' and the orders'),
     * made once per JVM, which a test may add a file to and reload (and must remove again).
     */
    protected static final java.nio.file.Path DEFINITIONS = copyOfShippedDefinitions();

    private static java.nio.file.Path copyOfShippedDefinitions() {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("projhub-read-models-");
            try (var files = java.nio.file.Files.list(java.nio.file.Path.of("..", "read-models"))) {
                for (java.nio.file.Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                    java.nio.file.Files.copy(file, dir.resolve(file.getFileName()));
                }
            }
            dir.toFile().deleteOnExit();
            return dir;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void stores(DynamicPropertyRegistry registry) {
        StoresForSpring.register(registry);
        registry.add("projhub.read-models.dir", DEFINITIONS::toString);
        registry.add("projhub.monitor.notifiers[0].name", () -> "test-webhook");
        registry.add("projhub.monitor.notifiers[0].kind", () -> "WEBHOOK");
        registry.add("projhub.monitor.notifiers[0].url", () -> TestAlertReceiver.get().url());
        registry.add("projhub.monitor.notifiers[1].name", () -> "log");
        registry.add("projhub.monitor.notifiers[1].kind", () -> "LOG");
        registry.add("projhub.security.api-keys-file", TestCredentials.KEYS_FILE::toString);
        TestIdentityProvider.properties().forEach((name, value) -> registry.add(name, () -> value));
    }

    @LocalServerPort
    protected int port;

    protected final HttpClient http = HttpClient.newHttpClient();

    protected HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        headers = withCredential("GET", path, headers);
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    protected HttpResponse<String> post(String path, String json, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json == null ? "" : json));
        headers = withCredential("POST", path, headers);
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A DELETE as the admin. */
    protected HttpResponse<String> delete(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).DELETE().headers(admin()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The headers with the default credential added (see {@link #ANONYMOUS}), or the marker taken out. */
    public static String[] withCredential(String method, String path, String... headers) {
        java.util.List<String> all = new java.util.ArrayList<>();
        boolean anonymous = false;
        boolean credential = false;
        for (int i = 0; i + 1 < headers.length; i += 2) {
            if (headers[i].equals(ANONYMOUS[0])) {
                anonymous = true;
                continue;
            }
            credential |= headers[i].equalsIgnoreCase("Authorization") || headers[i].equalsIgnoreCase("X-API-Key");
            all.add(headers[i]);
            all.add(headers[i + 1]);
        }
        if (!anonymous && !credential && !path.startsWith("/api/admin/")) {
            all.add("X-API-Key");
            all.add(method.equals("GET") || method.equals("HEAD") ? TestCredentials.READER : TestCredentials.WRITER);
        }
        return all.toArray(String[]::new);
    }

    protected static String[] apiKey(String key) {
        return new String[] {"X-API-Key", key};
    }

    protected static String[] bearer(String token) {
        return new String[] {"Authorization", "Bearer " + token};
    }

    protected static String[] admin() {
        String basic = Base64.getEncoder().encodeToString(("admin:" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        return new String[] {"Authorization", "Basic " + basic};
    }

    protected static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    protected URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
