package io.projhub.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A real HTTP endpoint the hub's webhook notifier posts alerts to; one per test JVM, shared by the hub context. */
public final class TestAlertReceiver {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static TestAlertReceiver instance;

    private final HttpServer server;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();

    private TestAlertReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                received.add(JSON.readTree(new String(body.readAllBytes(), StandardCharsets.UTF_8)));
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
    }

    public static synchronized TestAlertReceiver get() {
        if (instance == null) {
            try {
                instance = new TestAlertReceiver();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start the alert receiver", e);
            }
        }
        return instance;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    /** Every webhook body received so far: {@code {transition, deliveryId, attempt, sentAt, alert}}. */
    public List<JsonNode> received() {
        return List.copyOf(received);
    }
}
