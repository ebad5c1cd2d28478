package io.projhub.monitor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real HTTP receiver (the JDK's server on a local port) standing in for a webhook, Alertmanager, PagerDuty or
 * Slack: records every request and answers the planned statuses first, then its default one. It can also hang
 * (hold requests until {@link #release()}), to catch a sender in the middle of a delivery.
 */
final class RecordingReceiver implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A request as received and the status it was answered with. */
    record Request(String method, String path, Map<String, List<String>> headers, String body, int status,
                   Instant receivedAt) {

        JsonNode json() {
            return JSON.readTree(body);
        }

        boolean delivered() {
            return status >= 200 && status < 300;
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final HttpServer server;
    private final int defaultStatus;
    private final String answerBody;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedDeque<Integer> planned = new ConcurrentLinkedDeque<>();
    private volatile CountDownLatch hang;
    private volatile String retryAfter;

    private RecordingReceiver(int port, int defaultStatus, String answerBody) throws IOException {
        this.defaultStatus = defaultStatus;
        this.answerBody = answerBody;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        server.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "receiver-" + port);
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    static RecordingReceiver start(int defaultStatus, String answerBody) throws IOException {
        return new RecordingReceiver(0, defaultStatus, answerBody);
    }

    static RecordingReceiver startOn(int port, int defaultStatus, String answerBody) throws IOException {
        return new RecordingReceiver(port, defaultStatus, answerBody);
    }

    /** A local port nothing listens on (for a receiver that is down). */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** The next requests are answered with these statuses, in order. */
    void answerNext(int... statuses) {
        for (int status : statuses) {
            planned.add(status);
        }
    }

    void retryAfterSeconds(String value) {
        this.retryAfter = value;
    }

    /** Holds every request until {@link #release()}, then answers it 503. */
    void hang() {
        hang = new CountDownLatch(1);
    }

    void release() {
        CountDownLatch latch = hang;
        hang = null;
        if (latch != null) {
            latch.countDown();
        }
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    List<Request> requests(Predicate<Request> filter) {
        return requests.stream().filter(filter).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        CountDownLatch latch = hang;
        int status;
        if (latch != null) {
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    Map.copyOf(exchange.getRequestHeaders()), body, 0, Instant.now()));
            try {
                latch.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            status = 503;
            int index = requests.size() - 1;
            Request held = requests.get(index);
            requests.set(index, new Request(held.method(), held.path(), held.headers(), held.body(), status,
                    held.receivedAt()));
        } else {
            Integer next = planned.poll();
            status = next != null ? next : defaultStatus;
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    Map.copyOf(exchange.getRequestHeaders()), body, status, Instant.now()));
        }
        byte[] answer = (status >= 200 && status < 300 ? answerBody : "{\"status\":\"invalid event\",\"message\":\"test\"}")
                .getBytes(StandardCharsets.UTF_8);
        if (status == 429 && retryAfter != null) {
            exchange.getResponseHeaders().add("Retry-After", retryAfter);
        }
        try {
            exchange.sendResponseHeaders(status, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        } catch (IOException e) {
            // The sender went away (e.g. it was stopped while we held its request).
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
