package io.projhub.projectors.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A local HTTP server answering each request with a canned reply: it stands in for a store's answer that the real
 * store cannot be made to give on a shared machine (an overloaded or failing node), so that the real client turns it
 * into its exception exactly as it would the store's. It never stands in for a store that works.
 */
public final class CannedHttpServer implements AutoCloseable {

    /** A reply: status, headers, body (empty for none). */
    public record Reply(int status, Map<String, String> headers, String body) {
    }

    private final HttpServer server;

    private CannedHttpServer(HttpServer server) {
        this.server = server;
    }

    /** Listens on a free loopback port; {@code reply} answers each request from its method and path. */
    public static CannedHttpServer start(Function<HttpExchange, Reply> reply) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                try (exchange) {
                    exchange.getRequestBody().readAllBytes();
                    Reply answer = reply.apply(exchange);
                    answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
                    byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
                    boolean noBody = body.length == 0 || exchange.getRequestMethod().equals("HEAD");
                    exchange.sendResponseHeaders(answer.status(), noBody ? -1 : body.length);
                    if (!noBody) {
                        exchange.getResponseBody().write(body);
                    }
                }
            });
            server.start();
            return new CannedHttpServer(server);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
