package io.projhub.server.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.projhub.server.web.ProblemType;
import tools.jackson.databind.JsonNode;

/**
 * ARCHITECTURE.md invariant 8: every kind of bad input gets a 4xx problem document naming the field or rule, and
 * appends nothing. "Nothing" is checked twice: no event carries the request's correlation id, and the streams the
 * request could have touched (the fixtures and the id it proposed) have as many events as before.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest extends ApiTestSupport {

    private final Map<String, String> fixtures = new HashMap<>();

    @BeforeAll
    void fixtures() {
        String customer = newCustomer();
        String inactive = newCustomer();
        succeed("/api/customers/" + inactive + "/deactivate", "{}");
        String order = newOrder(customer);
        String shipped = newOrder(customer);
        succeed("/api/orders/" + shipped + "/ship", """
                {"trackingNumber": "T-1", "carrier": "UPS"}""");
        String cancelled = newOrder(customer);
        succeed("/api/orders/" + cancelled + "/cancel", """
                {"reason": "test"}""");
        String external = unique("ext");
        succeed("/api/streams/" + external + "/events", """
                {"events": [{"type": "Pinged", "data": {}}]}""");
        String usedKey = unique("used-key");
        assertThat(postJson("/api/accounts", """
                {"currency": "EUR", "initialBalance": 1}""", "Idempotency-Key", usedKey).status()).isEqualTo(201);
        fixtures.putAll(Map.of("{customer}", customer, "{inactive}", inactive, "{order}", order,
                "{shipped}", shipped, "{cancelled}", cancelled, "{account}", newAccount("EUR", "10.00"),
                "{external}", external, "{usedKey}", usedKey));
    }

    /** One bad request and what it must get. Placeholders in braces are fixtures; {new} is a fresh stream id. */
    record BadInput(String name, String method, String path, String contentType, String body, boolean chunked,
                    List<String> headers, int status, ProblemType type, String field, String rule) {

        static BadInput post(String name, String path, String body) {
            return new BadInput(name, "POST", path, "application/json", body, false, List.of(), 0, null, null, null);
        }

        static BadInput get(String name, String path) {
            return new BadInput(name, "GET", path, null, null, false, List.of(), 0, null, null, null);
        }

        BadInput withMethod(String newMethod) {
            return new BadInput(name, newMethod, path, contentType, body, chunked, headers, status, type, field, rule);
        }

        BadInput withContentType(String newType) {
            return new BadInput(name, method, path, newType, body, chunked, headers, status, type, field, rule);
        }

        BadInput sentChunked() {
            return new BadInput(name, method, path, contentType, body, true, headers, status, type, field, rule);
        }

        BadInput withHeader(String header, String value) {
            List<String> all = new ArrayList<>(headers);
            all.add(header);
            all.add(value);
            return new BadInput(name, method, path, contentType, body, chunked, all, status, type, field, rule);
        }

        BadInput invalid(String badField) {
            return new BadInput(name, method, path, contentType, body, chunked, headers, 400,
                    ProblemType.INVALID_REQUEST, badField, null);
        }

        BadInput breaks(String brokenRule) {
            return new BadInput(name, method, path, contentType, body, chunked, headers, 422,
                    ProblemType.BUSINESS_RULE_VIOLATED, null, brokenRule);
        }

        BadInput is(ProblemType problem) {
            return new BadInput(name, method, path, contentType, body, chunked, headers, problem.status(), problem,
                    null, null);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<BadInput> badInputs() {
        String customer = """
                {"name": "Ann", "email": "ann@example.com"}""";
        return Stream.of(
                // ---------------------------------------------------------------- not JSON, or not this JSON
                BadInput.post("broken JSON", "/api/customers", "{\"name\": \"Ann\", \"email\": ").invalid("body"),
                BadInput.post("trailing garbage", "/api/customers", customer + " xx").invalid("body"),
                BadInput.post("two JSON documents", "/api/customers", customer + " " + customer).invalid("body"),
                BadInput.post("empty body", "/api/customers", "").invalid("body"),
                BadInput.post("JSON null", "/api/customers", "null").invalid("body"),
                BadInput.post("an array instead of an object", "/api/customers", "[" + customer + "]")
                        .invalid("body"),
                BadInput.post("single-quoted JSON", "/api/customers", "{'name': 'Ann'}").invalid("body"),
                BadInput.post("an unknown field", "/api/customers",
                        "{\"name\": \"Ann\", \"email\": \"ann@example.com\", \"nmae\": \"x\"}").invalid("nmae"),
                BadInput.post("a duplicate field", "/api/customers",
                        "{\"name\": \"Ann\", \"name\": \"Eve\", \"email\": \"ann@example.com\"}").invalid("name"),
                BadInput.post("a number for a string", "/api/customers",
                        "{\"name\": 42, \"email\": \"ann@example.com\"}").invalid("name"),
                BadInput.post("an object for a string", "/api/customers",
                        "{\"name\": {\"first\": \"Ann\"}, \"email\": \"ann@example.com\"}").invalid("name"),
                // ---------------------------------------------------------------- customers
                BadInput.post("a missing email", "/api/customers", "{\"name\": \"Ann\"}").invalid("email"),
                BadInput.post("a blank name", "/api/customers", "{\"name\": \"  \", \"email\": \"a@b.co\"}")
                        .invalid("name"),
                BadInput.post("U+0000 in a name", "/api/customers", "{\"name\": \"A\\u0000nn\", \"email\": \"a@b.co\"}")
                        .invalid("name"),
                BadInput.post("an unpaired surrogate in a name", "/api/customers",
                        "{\"name\": \"A\\ud800nn\", \"email\": \"a@b.co\"}").invalid("name"),
                BadInput.post("a name of 201 characters", "/api/customers",
                        "{\"name\": \"" + "n".repeat(201) + "\", \"email\": \"a@b.co\"}").invalid("name"),
                BadInput.post("not an e-mail address", "/api/customers", "{\"name\": \"Ann\", \"email\": \"ann\"}")
                        .invalid("email"),
                BadInput.post("a malformed id in the body", "/api/customers",
                        "{\"id\": \"has space\", \"name\": \"Ann\", \"email\": \"a@b.co\"}").invalid("id"),
                BadInput.post("deactivating an inactive customer", "/api/customers/{inactive}/deactivate", "{}")
                        .breaks("customer-already-inactive"),
                BadInput.post("deactivating an unknown customer", "/api/customers/{new}/deactivate", "{}")
                        .is(ProblemType.NOT_FOUND),
                // ---------------------------------------------------------------- orders
                order("no items", "[]").breaks("order-has-no-items"),
                BadInput.post("items missing", "/api/orders",
                        "{\"customerId\": \"{customer}\", \"currency\": \"EUR\"}").breaks("order-has-no-items"),
                order("items as an object", "{\"name\": \"x\"}").invalid("items"),
                order("a null item", "[null]").invalid("items[0]"),
                order("an item without a name", "[{\"price\": 1, \"quantity\": 1}]").invalid("items[0].name"),
                order("a negative price", "[{\"name\": \"x\", \"price\": -1, \"quantity\": 1}]")
                        .breaks("item-price-not-positive"),
                order("a zero price", "[{\"name\": \"x\", \"price\": 0, \"quantity\": 1}]")
                        .breaks("item-price-not-positive"),
                order("quantity 0", "[{\"name\": \"x\", \"price\": 1, \"quantity\": 0}]")
                        .breaks("item-quantity-not-positive"),
                order("quantity 1.5", "[{\"name\": \"x\", \"price\": 1, \"quantity\": 1.5}]")
                        .invalid("items[0].quantity"),
                order("quantity 1e20 in the second item",
                        "[{\"name\": \"x\", \"price\": 1, \"quantity\": 1}, {\"name\": \"y\", \"price\": 1, \"quantity\": 1e20}]")
                        .invalid("items[1].quantity"),
                order("a quantity beyond 32 bits", "[{\"name\": \"x\", \"price\": 1, \"quantity\": 99999999999}]")
                        .invalid("items[0].quantity"),
                order("a quantity as a string", "[{\"name\": \"x\", \"price\": 1, \"quantity\": \"2\"}]")
                        .invalid("items[0].quantity"),
                order("a quantity above the maximum", "[{\"name\": \"x\", \"price\": 1, \"quantity\": 1000001}]")
                        .invalid("items[0].quantity"),
                order("a price that is not a number", "[{\"name\": \"x\", \"price\": \"abc\", \"quantity\": 1}]")
                        .invalid("items[0].price"),
                order("a boolean price", "[{\"name\": \"x\", \"price\": true, \"quantity\": 1}]")
                        .invalid("items[0].price"),
                order("too many decimals for EUR", "[{\"name\": \"x\", \"price\": 1.999, \"quantity\": 1}]")
                        .invalid("items[0].price"),
                order("a huge price", "[{\"name\": \"x\", \"price\": 1e20, \"quantity\": 1}]")
                        .invalid("items[0].price"),
                order("a price of 1001 digits", "[{\"name\": \"x\", \"price\": 1" + "0".repeat(1000)
                        + ", \"quantity\": 1}]").invalid("items[0]"), // the reader stops before binding "price"
                BadInput.post("an unknown currency", "/api/orders", "{\"customerId\": \"{customer}\", "
                        + "\"currency\": \"EURO\", \"items\": [{\"name\": \"x\", \"price\": 1, \"quantity\": 1}]}")
                        .invalid("currency"),
                BadInput.post("a lower-case currency", "/api/orders", "{\"customerId\": \"{customer}\", "
                        + "\"currency\": \"eur\", \"items\": [{\"name\": \"x\", \"price\": 1, \"quantity\": 1}]}")
                        .invalid("currency"),
                BadInput.post("an unknown customer", "/api/orders", "{\"customerId\": \"{new}\", "
                        + "\"currency\": \"EUR\", \"items\": [{\"name\": \"x\", \"price\": 1, \"quantity\": 1}]}")
                        .breaks("customer-not-found"),
                BadInput.post("an inactive customer", "/api/orders", "{\"customerId\": \"{inactive}\", "
                        + "\"currency\": \"EUR\", \"items\": [{\"name\": \"x\", \"price\": 1, \"quantity\": 1}]}")
                        .breaks("customer-inactive"),
                BadInput.post("no customer id", "/api/orders",
                        "{\"currency\": \"EUR\", \"items\": [{\"name\": \"x\", \"price\": 1, \"quantity\": 1}]}")
                        .invalid("customerId"),
                BadInput.post("an order id already taken", "/api/orders", "{\"id\": \"{order}\", \"customerId\": "
                        + "\"{customer}\", \"currency\": \"EUR\", \"items\": [{\"name\": \"x\", \"price\": 1, "
                        + "\"quantity\": 1}]}").is(ProblemType.VERSION_CONFLICT),
                BadInput.post("shipping a cancelled order", "/api/orders/{cancelled}/ship",
                        "{\"trackingNumber\": \"T\", \"carrier\": \"UPS\"}").breaks("order-cancelled"),
                BadInput.post("shipping a shipped order", "/api/orders/{shipped}/ship",
                        "{\"trackingNumber\": \"T\", \"carrier\": \"UPS\"}").breaks("order-already-shipped"),
                BadInput.post("cancelling a shipped order", "/api/orders/{shipped}/cancel", "{\"reason\": \"late\"}")
                        .breaks("order-already-shipped"),
                BadInput.post("shipping an unknown order", "/api/orders/{new}/ship",
                        "{\"trackingNumber\": \"T\", \"carrier\": \"UPS\"}").is(ProblemType.NOT_FOUND),
                BadInput.post("shipping without a carrier", "/api/orders/{order}/ship", "{\"trackingNumber\": \"T\"}")
                        .invalid("carrier"),
                BadInput.post("cancelling without a reason", "/api/orders/{order}/cancel", "{}").invalid("reason"),
                BadInput.post("an SQL-looking order id in the path", "/api/orders/x'%20OR%20'1'='1/ship",
                        "{\"trackingNumber\": \"T\", \"carrier\": \"UPS\"}").invalid("orderId"),
                BadInput.post("an encoded ';' the firewall rejects", "/api/orders/x%3Bdrop%20table%20events/ship",
                        "{\"trackingNumber\": \"T\", \"carrier\": \"UPS\"}").is(ProblemType.INVALID_REQUEST),
                // ---------------------------------------------------------------- accounts
                BadInput.post("a negative initial balance", "/api/accounts",
                        "{\"currency\": \"EUR\", \"initialBalance\": -1}").breaks("initial-balance-negative"),
                BadInput.post("decimals in yen", "/api/accounts", "{\"currency\": \"JPY\", \"initialBalance\": 1.5}")
                        .invalid("initialBalance"),
                BadInput.post("an empty string as an amount", "/api/accounts",
                        "{\"currency\": \"EUR\", \"initialBalance\": \"\"}").invalid("initialBalance"),
                BadInput.post("gold is not money", "/api/accounts", "{\"currency\": \"XAU\", \"initialBalance\": 1}")
                        .invalid("currency"),
                BadInput.post("depositing zero", "/api/accounts/{account}/deposit",
                        "{\"amount\": 0, \"source\": \"cash\"}").breaks("amount-not-positive"),
                BadInput.post("a boolean amount", "/api/accounts/{account}/deposit",
                        "{\"amount\": true, \"source\": \"cash\"}").invalid("amount"),
                BadInput.post("a deposit without a source", "/api/accounts/{account}/deposit", "{\"amount\": 1}")
                        .invalid("source"),
                BadInput.post("insufficient funds", "/api/accounts/{account}/withdraw",
                        "{\"amount\": 10.01, \"reason\": \"rent\"}").breaks("insufficient-funds"),
                BadInput.post("a negative withdrawal", "/api/accounts/{account}/withdraw",
                        "{\"amount\": -5, \"reason\": \"rent\"}").breaks("amount-not-positive"),
                BadInput.post("withdrawing from an unknown account", "/api/accounts/{new}/withdraw",
                        "{\"amount\": 1, \"reason\": \"rent\"}").is(ProblemType.NOT_FOUND),
                BadInput.post("depositing into an order", "/api/accounts/{order}/deposit",
                        "{\"amount\": 1, \"source\": \"cash\"}").is(ProblemType.NOT_FOUND),
                // ---------------------------------------------------------------- generic append
                append("expectedVersion as a string", "{\"expectedVersion\": \"1\", " + PING).invalid("expectedVersion"),
                append("expectedVersion 1.5", "{\"expectedVersion\": 1.5, " + PING).invalid("expectedVersion"),
                append("a negative expectedVersion", "{\"expectedVersion\": -1, " + PING).invalid("expectedVersion"),
                BadInput.post("an expectedVersion conflict", "/api/streams/{external}/events",
                        "{\"expectedVersion\": 5, " + PING).is(ProblemType.VERSION_CONFLICT),
                BadInput.post("expecting no stream where one exists", "/api/streams/{external}/events",
                        "{\"expectedVersion\": 0, " + PING).is(ProblemType.VERSION_CONFLICT),
                append("no events", "{\"events\": []}").invalid("events"),
                append("events missing", "{\"expectedVersion\": 0}").invalid("events"),
                append("data that is an array", "{\"events\": [{\"type\": \"T\", \"data\": [1]}]}")
                        .invalid("events[0].data"),
                append("data missing", "{\"events\": [{\"type\": \"T\"}]}").invalid("events[0].data"),
                append("an event type with a space", "{\"events\": [{\"type\": \"Bad Type\", \"data\": {}}]}")
                        .invalid("events[0].type"),
                append("an event without a type", "{\"events\": [{\"data\": {}}]}").invalid("events[0].type"),
                append("a domain stream type", "{\"streamType\": \"account\", " + PING).invalid("streamType"),
                append("a domain event type", "{\"events\": [{\"type\": \"MoneyDeposited\", \"data\": {}}]}")
                        .invalid("events[0].type"),
                BadInput.post("appending to an order's stream", "/api/streams/{order}/events", "{" + PING)
                        .invalid("streamType"),
                append("U+0000 in event data", "{\"events\": [{\"type\": \"T\", \"data\": {\"a\": \"x\\u0000\"}}]}")
                        .invalid("events[0].data"),
                append("metadata that is not an object", "{\"events\": [{\"type\": \"T\", \"data\": {}, "
                        + "\"metadata\": [1]}]}").invalid("events[0].metadata"),
                append("a numeric correlation id in metadata", "{\"events\": [{\"type\": \"T\", \"data\": {}, "
                        + "\"metadata\": {\"correlationId\": 7}}]}").invalid("events[0].metadata.correlationId"),
                append("data nested 600 deep", "{\"events\": [{\"type\": \"T\", \"data\": "
                        + "{\"a\": ".repeat(600) + "1" + "}".repeat(600) + "}]}").invalid("events[0].data"),
                append("1001 events", "{\"events\": [" + String.join(", ",
                        java.util.Collections.nCopies(1001, "{\"type\": \"T\", \"data\": {}}")) + "]}")
                        .invalid("events"),
                BadInput.post("a stream id with a '$'", "/api/streams/bad$id/events", "{" + PING).invalid("streamId"),
                BadInput.post("a stream id of 129 characters", "/api/streams/" + "s".repeat(129) + "/events",
                        "{" + PING).invalid("streamId"),
                // ---------------------------------------------------------------- sizes, media types, methods
                BadInput.post("a command body over 256 KiB", "/api/customers",
                        "{\"name\": \"" + "n".repeat(300 * 1024) + "\", \"email\": \"a@b.co\"}")
                        .is(ProblemType.PAYLOAD_TOO_LARGE),
                BadInput.post("a chunked command body over 256 KiB", "/api/customers",
                        "{\"name\": \"" + "n".repeat(300 * 1024) + "\", \"email\": \"a@b.co\"}").sentChunked()
                        .is(ProblemType.PAYLOAD_TOO_LARGE),
                append("an append body over 1 MiB", "{\"events\": [{\"type\": \"T\", \"data\": {\"blob\": \""
                        + "b".repeat(1100 * 1024) + "\"}}]}").is(ProblemType.PAYLOAD_TOO_LARGE),
                BadInput.post("text/plain", "/api/customers", customer).withContentType("text/plain")
                        .is(ProblemType.UNSUPPORTED_MEDIA_TYPE),
                BadInput.post("no content type", "/api/customers", customer).withContentType(null)
                        .is(ProblemType.UNSUPPORTED_MEDIA_TYPE),
                BadInput.post("multipart/form-data", "/api/customers", customer).withContentType("multipart/form-data")
                        .is(ProblemType.UNSUPPORTED_MEDIA_TYPE),
                BadInput.post("multipart/form-data on a command whose body is optional",
                        "/api/customers/{customer}/deactivate", "{}").withContentType("multipart/form-data")
                        .is(ProblemType.UNSUPPORTED_MEDIA_TYPE),
                BadInput.post("PUT on a command", "/api/customers", customer).withMethod("PUT")
                        .is(ProblemType.METHOD_NOT_ALLOWED),
                BadInput.post("DELETE on a command", "/api/orders/{order}/ship", "").withMethod("DELETE")
                        .is(ProblemType.METHOD_NOT_ALLOWED),
                // ---------------------------------------------------------------- headers
                BadInput.post("an Idempotency-Key of 201 characters", "/api/customers", customer)
                        .withHeader("Idempotency-Key", "k".repeat(201)).invalid("Idempotency-Key"),
                BadInput.post("an Idempotency-Key with a space", "/api/customers", customer)
                        .withHeader("Idempotency-Key", "my key").invalid("Idempotency-Key"),
                BadInput.post("an Idempotency-Key used for another request", "/api/accounts",
                        "{\"currency\": \"EUR\", \"initialBalance\": 2}").withHeader("Idempotency-Key", "{usedKey}")
                        .breaks("idempotency-key-reused"),
                BadInput.post("an X-Correlation-Id of 201 characters", "/api/customers", customer)
                        .withHeader("X-Correlation-Id", "c".repeat(201)).invalid("X-Correlation-Id"),
                BadInput.post("an X-Causation-Id with a space", "/api/customers", customer)
                        .withHeader("X-Causation-Id", "a cause").invalid("X-Causation-Id"),
                // ---------------------------------------------------------------- reads and time travel
                BadInput.get("an unknown stream", "/api/streams/{new}").is(ProblemType.NOT_FOUND),
                BadInput.get("fromVersion not a number", "/api/streams/{external}?fromVersion=abc")
                        .invalid("fromVersion"),
                BadInput.get("fromVersion 0", "/api/streams/{external}?fromVersion=0").invalid("fromVersion"),
                BadInput.get("a query parameter that is not UTF-8", "/api/streams/{external}?limit=%FF%FE")
                        .invalid("limit"),
                BadInput.get("a query parameter that is not UTF-8 on a query", "/api/alerts?status=%C0%AF")
                        .invalid("status"),
                BadInput.get("limit 0", "/api/streams/{external}?limit=0").invalid("limit"),
                BadInput.get("asOf not a date", "/api/accounts/{account}?asOf=yesterday").invalid("asOf"),
                BadInput.get("asOf on February 30th", "/api/accounts/{account}?asOf=2026-02-30T00:00:00Z")
                        .invalid("asOf"),
                BadInput.get("asOf without an offset", "/api/accounts/{account}?asOf=2026-01-01T00:00:00")
                        .invalid("asOf"),
                BadInput.get("asOf and asOfVersion both", "/api/orders/{order}/state?asOfVersion=1"
                        + "&asOf=2026-01-01T00:00:00Z").invalid("asOf"),
                BadInput.get("asOfVersion 0", "/api/accounts/{account}?asOfVersion=0").invalid("asOfVersion"),
                BadInput.get("asOfVersion 1.5", "/api/accounts/{account}?asOfVersion=1.5").invalid("asOfVersion"),
                BadInput.get("asOfVersion beyond the stream", "/api/accounts/{account}?asOfVersion=99")
                        .is(ProblemType.NOT_FOUND),
                BadInput.get("an order's state of an account", "/api/orders/{account}/state").is(ProblemType.NOT_FOUND),
                BadInput.get("an unknown endpoint", "/api/nothing-here").is(ProblemType.NOT_FOUND),
                BadInput.post("an admin action without credentials", "/api/admin/lanes/order-details/redrive?streamId={order}",
                        "").is(ProblemType.UNAUTHORIZED));
    }

    private static final String PING = "\"events\": [{\"type\": \"Pinged\", \"data\": {}}]}";

    private static BadInput order(String name, String items) {
        return BadInput.post(name, "/api/orders",
                "{\"customerId\": \"{customer}\", \"currency\": \"EUR\", \"items\": " + items + "}");
    }

    private static BadInput append(String name, String body) {
        return BadInput.post(name, "/api/streams/{new}/events", body);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void isRefusedWithAProblemNamingItAndAppendsNothing(BadInput input) {
        String newId = unique("new");
        String correlationId = unique("bad-input");
        String path = resolve(input.path(), newId);
        List<String> headers = new ArrayList<>(List.of("X-Correlation-Id", correlationId));
        for (int i = 0; i < input.headers().size(); i += 2) {
            if (input.headers().get(i).equals("X-Correlation-Id")) {
                headers.clear();
            }
        }
        input.headers().forEach(h -> headers.add(resolve(h, newId)));
        String[] touched = Stream.concat(fixtures.values().stream(), Stream.of(newId)).toArray(String[]::new);
        long before = eventsOf(touched);

        Response response = send(input.method(), path, input.contentType(), body(input, newId),
                headers.toArray(String[]::new));

        assertThat(response.status()).as("status; body: %s", response.body()).isEqualTo(input.status());
        assertThat(response.contentType()).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.path("type").asString()).isEqualTo(input.type().uri().toString());
        assertThat(problem.path("title").asString()).isEqualTo(input.type().title());
        assertThat(problem.path("status").asInt()).isEqualTo(input.status());
        assertThat(problem.path("detail").asString()).isNotBlank();
        assertThat(problem.path("instance").asString()).startsWith("/api/");
        if (input.field() != null) {
            assertThat(problem.path("field").asString()).as(response.body()).isEqualTo(input.field());
            assertThat(problem.path("errors").path(0).path("field").asString()).isEqualTo(input.field());
            assertThat(problem.path("errors").path(0).path("detail").asString()).isNotBlank();
        }
        if (input.rule() != null) {
            assertThat(problem.path("rule").asString()).as(response.body()).isEqualTo(input.rule());
        }
        if (input.type() == ProblemType.VERSION_CONFLICT) {
            assertThat(problem.path("expectedVersion").isNumber()).isTrue();
            assertThat(problem.path("actualVersion").asLong()).isPositive();
        }
        assertThat(response.body()).doesNotContain("Exception", "java.", "tools.jackson", "springframework",
                "\tat ", "SQL", "select ", "insert into");

        String requestCorrelation = response.header("X-Correlation-Id");
        assertThat(requestCorrelation).isNotBlank();
        assertThat(problem.path("correlationId").asString()).isEqualTo(requestCorrelation);
        assertThat(eventsCorrelatedWith(requestCorrelation)).as("events appended by the request").isZero();
        assertThat(eventsOf(touched)).as("events of the streams it could touch").isEqualTo(before);
    }

    private HttpRequest.BodyPublisher body(BadInput input, String newId) {
        if (input.body() == null) {
            return HttpRequest.BodyPublishers.noBody();
        }
        byte[] bytes = resolve(input.body(), newId).getBytes(StandardCharsets.UTF_8);
        return input.chunked()
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))
                : HttpRequest.BodyPublishers.ofByteArray(bytes);
    }

    private String resolve(String text, String newId) {
        String resolved = text.replace("{new}", newId);
        for (Map.Entry<String, String> fixture : fixtures.entrySet()) {
            resolved = resolved.replace(fixture.getKey(), fixture.getValue());
        }
        return resolved;
    }

    @org.junit.jupiter.api.Test
    void thereAreAtLeastThirtyKindsOfBadInput() {
        assertThat(badInputs().count()).isGreaterThanOrEqualTo(30);
        assertThat(badInputs().map(BadInput::name).distinct().count()).isEqualTo(badInputs().count());
        assertThat(Arrays.stream(ProblemType.values()).filter(t -> t.status() < 500)
                .filter(t -> t != ProblemType.FORBIDDEN && t != ProblemType.NOT_ACCEPTABLE)
                .allMatch(t -> badInputs().anyMatch(b -> b.type() == t))).isTrue();
    }
}
