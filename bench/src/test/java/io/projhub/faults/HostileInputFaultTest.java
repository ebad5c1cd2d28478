package io.projhub.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.projhub.bench.HubApi;
import io.projhub.bench.HubProcess;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.faults.HostileRequests.Request;
import io.projhub.testsupport.TestIdentityProvider;

/**
 * More than 10,000 malformed and hostile requests (generated from templates with a fixed seed, sent by a few client
 * threads) against every command and query endpoint of a real hub: no answer is a 5xx, no command succeeds, not one
 * event is appended, and afterwards the hub is healthy and still projects a valid command. Among them, credential
 * attacks (no credentials, a role that does not grant the endpoint, unknown and mangled keys, forged, expired and
 * unsigned tokens against the test identity provider the hub trusts, guessing from one address): none is accepted,
 * and the guessing is slowed down (429).
 */
@ExtendWith(FaultReport.Writer.class)
class HostileInputFaultTest {

    private static final int REQUESTS = 10_400;
    private static final long SEED = 20261125L;
    private static final int THREADS = 4;

    private static FaultHarness harness;
    private static HubProcess hub;
    private final FaultReport report = FaultReport.of(HostileInputFaultTest.class)
            .title("10,400 malformed and hostile requests against every endpoint");

    @BeforeAll
    static void startHub() throws Exception {
        harness = FaultHarness.open(HostileInputFaultTest.class);
        HubProcess.Builder builder = harness.hub();
        // JWTs on, trusting the test identity provider, so forged tokens meet the real validation.
        TestIdentityProvider.properties().forEach(builder::property);
        hub = FaultHarness.build(builder);
        long begin = System.nanoTime();
        hub.start(Duration.ofSeconds(120));
        FaultReport.of(HostileInputFaultTest.class).figure("hub start", FaultReport.seconds(System.nanoTime() - begin));
    }

    @AfterAll
    static void stopHub() {
        if (hub != null) {
            hub.stop();
        }
        if (harness != null) {
            harness.close();
        }
    }

    /** What one request got: its HTTP status, or -1 when the connection failed without an answer. */
    private record Outcome(Request request, int status, String body, long nanos, String error) {
    }

    @Test
    void noHostileRequestGetsA5xxOrAppendsAnythingAndTheHubStillProjects() throws Exception {
        HubApi api = hub.api();
        String prefix = FaultHarness.prefix("h");
        HostileRequests.Fixtures fixtures = fixtures(api, prefix);
        FaultHarness.awaitCaughtUp(api, harness.logHead(), Duration.ofMinutes(2));

        List<Request> requests = new HostileRequests(SEED, fixtures).generate(REQUESTS);
        long commands = requests.stream().filter(Request::command).count();
        long eventsBefore = harness.logEventCount();
        LogPosition headBefore = harness.logHead();

        Outcome[] outcomes = new Outcome[requests.size()];
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        long begin = System.nanoTime();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < requests.size(); i = next.getAndIncrement()) {
                        outcomes[i] = send(api, requests.get(i));
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        long runNanos = System.nanoTime() - begin;
        long eventsAfter = harness.logEventCount();
        LogPosition headAfter = harness.logHead();

        // ------------------------------------------------------------------------------------ tallies
        Map<String, Long> byStatus = new TreeMap<>();
        Map<String, Map<String, Long>> byCategory = new TreeMap<>();
        Map<String, Map<String, Long>> byEndpoint = new TreeMap<>();
        List<Outcome> serverErrors = new ArrayList<>();
        List<Outcome> acceptedCommands = new ArrayList<>();
        List<Outcome> noAnswer = new ArrayList<>();
        Map<String, Map<String, Long>> byAttack = new TreeMap<>();
        List<Outcome> credentialsAccepted = new ArrayList<>();
        List<Outcome> credentialsOddlyRefused = new ArrayList<>();
        long[] latencies = new long[outcomes.length];
        for (int i = 0; i < outcomes.length; i++) {
            Outcome o = outcomes[i];
            latencies[i] = o.nanos();
            String status = o.status() < 0 ? "no answer" : Integer.toString(o.status());
            byStatus.merge(status, 1L, Long::sum);
            byCategory.computeIfAbsent(o.request().category(), k -> new TreeMap<>()).merge(status, 1L, Long::sum);
            byEndpoint.computeIfAbsent(o.request().endpoint(), k -> new TreeMap<>()).merge(status, 1L, Long::sum);
            if (o.request().credentialAttack()) {
                byAttack.computeIfAbsent(o.request().category(), k -> new TreeMap<>()).merge(status, 1L, Long::sum);
                if (o.status() / 100 == 2) {
                    credentialsAccepted.add(o);
                } else if (o.status() >= 0 && o.status() < 500
                        && !HostileRequests.refusalsOf(o.request().category()).contains(o.status())) {
                    credentialsOddlyRefused.add(o);
                }
            }
            if (o.status() >= 500) {
                serverErrors.add(o);
            } else if (o.status() < 0) {
                noAnswer.add(o);
            } else if (o.request().command() && o.status() / 100 == 2) {
                acceptedCommands.add(o);
            }
        }
        Arrays.sort(latencies);

        report.figure("requests", outcomes.length + " (" + commands + " to command or admin endpoints, "
                        + (outcomes.length - commands) + " queries), seed " + SEED)
                .figure("client threads", THREADS)
                .figure("duration / rate", FaultReport.seconds(runNanos) + " / "
                        + FaultReport.rate(outcomes.length, runNanos))
                .figure("latency p50 / p99 / max", FaultReport.millis(latencies[latencies.length / 2]) + " / "
                        + FaultReport.millis(latencies[(int) (latencies.length * 0.99)]) + " / "
                        + FaultReport.millis(latencies[latencies.length - 1]))
                .figure("answers by status", byStatus)
                .figure("5xx answers", serverErrors.size())
                .figure("commands answered 2xx", acceptedCommands.size())
                .figure("connections closed without an answer", noAnswer.size() + (noAnswer.isEmpty() ? ""
                        : " (" + noAnswer.stream().map(o -> o.request().category()).distinct().toList() + ")"))
                .figure("events in the bench log before / after", eventsBefore + " / " + eventsAfter)
                .figure("log head before / after", headBefore + " / " + headAfter);
        List<List<Object>> categoryRows = new ArrayList<>();
        byCategory.forEach((category, statuses) -> categoryRows.add(List.of(category,
                statuses.values().stream().mapToLong(Long::longValue).sum(), statuses)));
        report.text("By kind of defect (the first defect a request carries; many carry two or three):")
                .table(List.of("defect", "requests", "answers by status"), categoryRows);
        List<List<Object>> endpointRows = new ArrayList<>();
        byEndpoint.forEach((endpoint, statuses) -> endpointRows.add(List.of(endpoint,
                statuses.values().stream().mapToLong(Long::longValue).sum(), statuses)));
        report.text("By endpoint:").table(List.of("endpoint", "requests", "answers by status"), endpointRows);
        List<List<Object>> attackRows = new ArrayList<>();
        byAttack.forEach((attack, statuses) -> attackRows.add(List.of(attack,
                statuses.values().stream().mapToLong(Long::longValue).sum(), statuses)));
        Map<String, Long> bruteForce = byAttack.getOrDefault(HostileRequests.CREDENTIAL_ATTACK
                + "brute force from one address", Map.of());
        report.figure("credential attacks answered 2xx", credentialsAccepted.size())
                .figure("brute force from " + HostileRequests.BRUTE_FORCE_ADDRESS + ": answers by status", bruteForce)
                .text("Credential attacks (each a request that would be accepted with the right credential):")
                .table(List.of("attack", "requests", "answers by status"), attackRows);
        if (!serverErrors.isEmpty() || !acceptedCommands.isEmpty() || !noAnswer.isEmpty()) {
            List<List<Object>> examples = new ArrayList<>();
            for (Outcome o : concat(serverErrors, acceptedCommands, noAnswer)) {
                if (examples.size() >= 15) {
                    break;
                }
                examples.add(List.of(o.status(), o.request().category(), o.request().method() + " "
                        + abbreviate(o.request().path(), 80), abbreviate(o.body() == null ? o.error() : o.body(), 160)));
            }
            report.text("Examples of 5xx answers, accepted commands and connections closed without an answer:")
                    .table(List.of("status", "defect", "request", "answer"), examples);
        }

        // ------------------------------------------------------------------------------------ afterwards
        HubApi.Response health = api.get("/actuator/health");
        report.figure("/actuator/health afterwards", health.status() + " " + health.json().path("status").asString());
        String orderId = prefix + "after";
        HubApi.Response created = api.post("/api/orders", "{\"id\": \"" + orderId + "\", \"customerId\": \""
                + fixtures.customer() + "\", \"currency\": \"EUR\", \"items\": [{\"name\": \"After\", \"price\": \"3.00\", "
                + "\"quantity\": 1}]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String token = created.json().path("position").asString();
        long visibleBegin = System.nanoTime();
        HubApi.Response read = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/orders/" + orderId))
                .header("X-Consistency-Token", token).header("X-API-Key", api.keys().reader()).GET(),
                Duration.ofSeconds(30));
        long caughtUp = FaultHarness.awaitCaughtUp(api, harness.logHead(), Duration.ofMinutes(1));
        report.figure("a valid order afterwards: read back (read-your-writes) / every lane at the head after",
                read.status() + " / " + FaultReport.seconds(caughtUp) + " (" + FaultReport.millis(System.nanoTime()
                        - visibleBegin) + " in all)");

        assertThat(credentialsAccepted).as("credential attacks answered 2xx").isEmpty();
        assertThat(credentialsOddlyRefused).as("credential attacks answered other than their kind's refusals "
                + "(HostileRequests.refusalsOf)").isEmpty();
        assertThat(byAttack).as("every kind of credential attack was sent").hasSizeGreaterThanOrEqualTo(8);
        assertThat(bruteForce.getOrDefault("429", 0L)).as("guessing from one address slowed down: " + bruteForce)
                .isPositive();
        assertThat(serverErrors).as("5xx answers").isEmpty();
        assertThat(acceptedCommands).as("commands answered 2xx").isEmpty();
        assertThat(eventsAfter).as("events appended by %d hostile requests", outcomes.length).isEqualTo(eventsBefore);
        assertThat(headAfter).isEqualTo(headBefore);
        assertThat(hub.isAlive()).isTrue();
        assertThat(health.status()).as(health.body()).isEqualTo(200);
        assertThat(read.status()).as(read.body()).isEqualTo(200);
        assertThat(read.json().path("id").asString(read.json().path("orderId").asString())).isEqualTo(orderId);
    }

    private static HostileRequests.Fixtures fixtures(HubApi api, String prefix) {
        String customer = prefix + "customer";
        String inactive = prefix + "inactive";
        ok(api.post("/api/customers", "{\"id\": \"" + customer + "\", \"name\": \"Fixture\", \"email\": \"f@example.com\"}"));
        ok(api.post("/api/customers", "{\"id\": \"" + inactive + "\", \"name\": \"Gone\", \"email\": \"g@example.com\"}"));
        ok(api.post("/api/customers/" + inactive + "/deactivate", "{\"reason\": \"fixture\"}"));
        String order = prefix + "order";
        String shipped = prefix + "shipped";
        String cancelled = prefix + "cancelled";
        for (String id : List.of(order, shipped, cancelled)) {
            ok(api.post("/api/orders", "{\"id\": \"" + id + "\", \"customerId\": \"" + customer + "\", \"currency\": "
                    + "\"EUR\", \"items\": [{\"name\": \"Fixture\", \"price\": \"2.50\", \"quantity\": 2}]}"));
        }
        ok(api.post("/api/orders/" + shipped + "/ship", "{\"trackingNumber\": \"T-1\", \"carrier\": \"UPS\"}"));
        ok(api.post("/api/orders/" + cancelled + "/cancel", "{\"reason\": \"fixture\"}"));
        String account = prefix + "account";
        ok(api.post("/api/accounts", "{\"id\": \"" + account + "\", \"currency\": \"EUR\", \"initialBalance\": \"10.00\"}"));
        String external = prefix + "external";
        ok(api.post("/api/streams/" + external + "/events", "{\"expectedVersion\": 0, \"events\": [{\"type\": "
                + "\"Pinged\", \"data\": {}}]}"));
        String key = prefix + "used-key";
        ok(api.post("/api/accounts", "{\"currency\": \"EUR\", \"initialBalance\": 1}", Map.of("Idempotency-Key", key)));
        return new HostileRequests.Fixtures(customer, inactive, order, shipped, cancelled, account, external, key,
                credentials(api));
    }

    /** The hub's real keys and login, and tokens from the identity provider it trusts that must not open commands. */
    private static HostileRequests.Credentials credentials(HubApi api) {
        TestIdentityProvider idp = TestIdentityProvider.get();
        com.nimbusds.jwt.JWTClaimsSet good = idp.claims("svc-hostile", List.of("writer", "reader", "admin")).build();
        java.time.Instant past = java.time.Instant.now().minusSeconds(7200);
        Map<String, String> forged = new TreeMap<>();
        forged.put("alg none", idp.unsigned(good));
        forged.put("signed by another key", idp.signWithAnotherKey(good));
        forged.put("HS256 with a made-up secret", idp.signedWithASharedSecret(good));
        forged.put("expired", idp.sign(new com.nimbusds.jwt.JWTClaimsSet.Builder(good)
                .issueTime(java.util.Date.from(past)).expirationTime(java.util.Date.from(past.plusSeconds(60))).build()));
        forged.put("another issuer", idp.sign(new com.nimbusds.jwt.JWTClaimsSet.Builder(good)
                .issuer("https://evil.example/realms/projhub").build()));
        forged.put("another audience", idp.sign(new com.nimbusds.jwt.JWTClaimsSet.Builder(good)
                .audience("another-service").build()));
        String signed = idp.sign(good);
        forged.put("signature of another token", signed.substring(0, signed.lastIndexOf('.') + 1)
                + idp.unsigned(good).split("\\.", -1)[0]);
        Map<String, String> withoutTheRole = new TreeMap<>();
        withoutTheRole.put("reader", idp.token("svc-reader", "reader"));
        withoutTheRole.put("no roles", idp.token("svc-nobody"));
        withoutTheRole.put("other roles", idp.token("svc-other", "offline_access", "uma_authorization"));
        return new HostileRequests.Credentials(api.keys().writer(), api.keys().reader(), api.keys().admin(),
                hub.adminPassword(), forged, withoutTheRole, idp.token("svc-writer", "writer"));
    }

    private static void ok(HubApi.Response response) {
        if (response.status() / 100 != 2) {
            throw new IllegalStateException("fixture: " + response.status() + " " + response.body());
        }
    }

    private static Outcome send(HubApi api, Request r) {
        long begin = System.nanoTime();
        if (r.raw() != null) {
            return raw(api, r, r.raw(), begin);
        }
        if (r.from() != null) {
            // the HTTP client cannot choose its local address: the same request as bytes, from that address
            return raw(api, r, rawBytes(api, r), begin);
        }
        HttpRequest.Builder builder;
        try {
            builder = HttpRequest.newBuilder(URI.create(api.base() + r.path()));
            HttpRequest.BodyPublisher body = r.body() == null ? HttpRequest.BodyPublishers.noBody()
                    : r.chunked() ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(r.body()))
                    : HttpRequest.BodyPublishers.ofByteArray(r.body());
            builder.method(r.method(), body);
            r.headers().forEach(builder::header);
        } catch (IllegalArgumentException e) {
            // The client library refuses to send it (a header value or URI it considers illegal): send the bytes.
            return raw(api, r, rawBytes(api, r), begin);
        }
        try {
            HubApi.Response response = api.send(builder, Duration.ofSeconds(60));
            return new Outcome(r, response.status(), response.status() >= 500 || r.command()
                    && response.status() / 100 == 2 ? response.body() : null, System.nanoTime() - begin, null);
        } catch (RuntimeException e) {
            return new Outcome(r, -1, null, System.nanoTime() - begin, e.getMessage());
        }
    }

    /** The request as HTTP/1.1 bytes, headers as given (ISO-8859-1), with its length and Connection: close. */
    private static byte[] rawBytes(HubApi api, Request r) {
        StringBuilder head = new StringBuilder(r.method()).append(' ').append(r.path()).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(URI.create(api.base()).getAuthority()).append("\r\n");
        r.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        byte[] body = r.body() == null ? new byte[0] : r.body();
        head.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }

    /** Writes the bytes to a socket and reads the status line of the answer. */
    private static Outcome raw(HubApi api, Request r, byte[] bytes, long begin) {
        URI base = URI.create(api.base());
        try (Socket socket = new Socket()) {
            if (r.from() != null) {
                socket.bind(new InetSocketAddress(java.net.InetAddress.getByName(r.from()), 0));
            }
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(bytes);
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\n' && line.length() < 200; c = in.read()) {
                line.append((char) c);
            }
            String[] parts = line.toString().trim().split(" ");
            int status = parts.length >= 2 && parts[1].matches("\\d{3}") ? Integer.parseInt(parts[1]) : -1;
            String rest = status >= 500 ? new String(in.readNBytes(2000), StandardCharsets.UTF_8) : null;
            return new Outcome(r, status, rest == null ? line.toString() : line + " " + rest, System.nanoTime() - begin,
                    status < 0 ? "no status line: '" + line + "'" : null);
        } catch (IOException e) {
            return new Outcome(r, -1, null, System.nanoTime() - begin, e.toString());
        }
    }

    @SafeVarargs
    private static List<Outcome> concat(List<Outcome>... lists) {
        List<Outcome> all = new ArrayList<>();
        for (List<Outcome> list : lists) {
            all.addAll(list);
        }
        return Collections.unmodifiableList(all);
    }

    private static String abbreviate(String text, int max) {
        if (text == null) {
            return "";
        }
        String clean = text.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= max ? clean : clean.substring(0, max) + "…";
    }
}
