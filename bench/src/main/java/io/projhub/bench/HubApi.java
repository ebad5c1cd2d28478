package io.projhub.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The hub's HTTP API as the bench and the fault runs use it: JSON in, JSON out, nothing hidden. Reads send the
 * reader's API key, commands the writer's (unless the caller gives a credential of its own), admin actions the admin
 * login; {@link #send} sends exactly what the caller built.
 */
public final class HubApi {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final String base;
    private final String basicAuth;
    private final HubKeys keys;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();

    public HubApi(String base, String adminUser, String adminPassword, HubKeys keys) {
        this.base = base;
        this.keys = keys;
        this.basicAuth = "Basic " + Base64.getEncoder()
                .encodeToString((adminUser + ":" + adminPassword).getBytes(StandardCharsets.UTF_8));
    }

    public record Response(int status, String body) {
        public JsonNode json() {
            return JSON.readTree(body);
        }
    }

    public String base() {
        return base;
    }

    public HubKeys keys() {
        return keys;
    }

    /** True when the health endpoint answers at all (200 UP or 503 DOWN). */
    public boolean healthAnswers() {
        try {
            int status = get("/actuator/health").status();
            return status == 200 || status == 503;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("X-API-Key", keys.reader()).GET(),
                Duration.ofSeconds(30));
    }

    public Response post(String path, String json) {
        return post(path, json, Map.of());
    }

    public Response post(String path, String json, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json == null ? "" : json));
        headers.forEach(request::header);
        if (headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Authorization")
                || h.equalsIgnoreCase("X-API-Key"))) {
            request.header("X-API-Key", keys.writer());
        }
        return send(request, Duration.ofSeconds(30));
    }

    public Response adminPost(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", basicAuth)
                .POST(HttpRequest.BodyPublishers.noBody()), Duration.ofSeconds(60));
    }

    /** A POST with a JSON body as the admin. */
    public Response adminPost(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", basicAuth)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)), Duration.ofSeconds(60));
    }

    /** Any request, as built by the caller (the hostile-input run sends odd methods, headers and bodies). */
    public Response send(HttpRequest.Builder request, Duration timeout) {
        try {
            HttpResponse<String> response = http.send(request.timeout(timeout).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new IllegalStateException(request.build().method() + " " + request.build().uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** {@code /api/lanes}: lane name → its status node (state, checkpoint.position, lagEvents, appliedEvents...). */
    public Map<String, JsonNode> lanes() {
        JsonNode status = get("/api/lanes").json();
        Map<String, JsonNode> lanes = new HashMap<>();
        for (JsonNode lane : status.path("lanes")) {
            lanes.put(lane.path("name").asString(), lane);
        }
        return lanes;
    }

    /** The log head's position as the subscriber last saw it (-1 if none). */
    public long headPosition() {
        JsonNode head = get("/api/lanes").json().path("head");
        return head.isMissingNode() || head.isNull() ? -1 : head.path("position").asLong(-1);
    }

    public static long checkpointPosition(JsonNode lane) {
        JsonNode checkpoint = lane.path("checkpoint");
        return checkpoint.isMissingNode() || checkpoint.isNull() ? -1 : checkpoint.path("position").asLong(-1);
    }
}
