package io.projhub.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import io.projhub.server.HubTestBase;
import io.projhub.server.TestCredentials;
import tools.jackson.databind.JsonNode;

/**
 * Walks every operation of the OpenAPI document: without credentials it is 401, with each role that does not grant
 * it 403, and nothing is appended — a writer's operation is sent with a valid body on an existing aggregate, which
 * the writer then sends successfully, so an unprotected one would have appended; with the role that grants it (and a
 * harmless body), it is neither refused nor a server error. The role
 * an operation needs is derived here from the definition (admin paths: admin; other reads: reader; other
 * writes: writer), independently of the hub's table, so a row missing from the table fails this test.
 */
class EndpointRolesTest extends HubTestBase {

    private static final Map<Role, String> KEYS = Map.of(Role.WRITER, TestCredentials.WRITER,
            Role.READER, TestCredentials.READER, Role.ADMIN, TestCredentials.ADMIN);
    /** An admin is also a reader. */
    private static final Map<Role, Set<Role>> GRANTED_TO = Map.of(Role.WRITER, EnumSet.of(Role.WRITER),
            Role.READER, EnumSet.of(Role.READER, Role.ADMIN), Role.ADMIN, EnumSet.of(Role.ADMIN));

    record Operation(String method, String template, String path, Role role) {
    }

    /** A request that appends when the writer sends it. */
    record Write(String path, String body) {
    }

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void everyOperationRefusesACallerWithoutItsRoleAndAppendsNothing() throws Exception {
        HttpResponse<String> docs = get("/v3/api-docs", ANONYMOUS);
        assertThat(docs.statusCode()).as("the API document is open").isEqualTo(200);
        List<Operation> operations = operations(json(docs));
        assertThat(operations).as("operations in the API document").hasSizeGreaterThan(40);
        System.out.println("event=endpoint-roles-walk operations=" + operations.size());

        Map<String, Write> valid = validWrites();
        long head = head();
        SoftAssertions softly = new SoftAssertions();
        int refusals = 0;
        for (Operation operation : operations) {
            Write write = operation.role() == Role.WRITER ? valid.get(operation.template())
                    : new Write(operation.path(), "{}");
            assertThat(write).as("a valid request for the writer's %s %s", operation.method(), operation.template())
                    .isNotNull();
            HttpResponse<String> anonymous = send(operation.method(), write, null);
            softly.assertThat(anonymous.statusCode()).as("%s %s without credentials: %s", operation.method(),
                    write.path(), anonymous.body()).isEqualTo(401);
            refusals++;
            for (Role role : Role.values()) {
                if (!GRANTED_TO.get(operation.role()).contains(role)) {
                    HttpResponse<String> wrong = send(operation.method(), write, KEYS.get(role));
                    softly.assertThat(wrong.statusCode()).as("%s %s as %s: %s", operation.method(), write.path(),
                            role, wrong.body()).isEqualTo(403);
                    refusals++;
                }
            }
        }
        softly.assertThat(head()).as("the log head after %d refused requests", refusals).isEqualTo(head);
        for (Operation operation : operations) {
            HttpResponse<String> granted = send(operation.method(), new Write(operation.path(), "{}"),
                    KEYS.get(operation.role()));
            softly.assertThat(granted.statusCode()).as("%s %s as %s: %s", operation.method(), operation.path(),
                    operation.role(), granted.body()).isNotIn(401, 403).isLessThan(500);
        }
        softly.assertThat(head()).as("the log head after the harmless granted requests").isEqualTo(head);
        for (Map.Entry<String, Write> write : valid.entrySet()) {
            HttpResponse<String> appended = send("POST", write.getValue(), TestCredentials.WRITER);
            softly.assertThat(appended.statusCode()).as("the refused request %s, sent by the writer: %s",
                    write.getKey(), appended.body()).isBetween(200, 201);
        }
        softly.assertThat(head()).as("the refused requests append when the writer sends them")
                .isGreaterThanOrEqualTo(head + valid.size());
        softly.assertAll();
    }

    /**
     * For each writer operation (by template), a request the writer may send successfully: new ids for creations,
     * aggregates made here (as the writer, before the walk) for the commands on one.
     */
    private Map<String, Write> validWrites() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String customer = "roles-customer-" + tag;
        String deactivated = "roles-deactivated-" + tag;
        String account = "roles-account-" + tag;
        String shipped = "roles-shipped-" + tag;
        String cancelled = "roles-cancelled-" + tag;
        for (Write setup : List.of(new Write("/api/customers", customer(customer)),
                new Write("/api/customers", customer(deactivated)),
                new Write("/api/accounts", account(account)),
                new Write("/api/orders", order(shipped, customer)),
                new Write("/api/orders", order(cancelled, customer)))) {
            HttpResponse<String> made = send("POST", setup, TestCredentials.WRITER);
            assertThat(made.statusCode()).as("%s: %s", setup, made.body()).isEqualTo(201);
        }
        return Map.of(
                "/api/customers", new Write("/api/customers", customer("roles-new-customer-" + tag)),
                "/api/customers/{customerId}/deactivate", new Write("/api/customers/" + deactivated + "/deactivate",
                        "{\"reason\": \"role walk\"}"),
                "/api/accounts", new Write("/api/accounts", account("roles-new-account-" + tag)),
                "/api/accounts/{accountId}/deposit", new Write("/api/accounts/" + account + "/deposit",
                        "{\"amount\": 5, \"source\": \"cash\"}"),
                "/api/accounts/{accountId}/withdraw", new Write("/api/accounts/" + account + "/withdraw",
                        "{\"amount\": 1, \"reason\": \"rent\"}"),
                "/api/orders", new Write("/api/orders", order("roles-new-order-" + tag, customer)),
                "/api/orders/{orderId}/ship", new Write("/api/orders/" + shipped + "/ship",
                        "{\"trackingNumber\": \"T-1\", \"carrier\": \"UPS\"}"),
                "/api/orders/{orderId}/cancel", new Write("/api/orders/" + cancelled + "/cancel",
                        "{\"reason\": \"role walk\"}"),
                "/api/streams/{streamId}/events", new Write("/api/streams/roles-stream-" + tag + "/events",
                        "{\"events\": [{\"type\": \"Pinged\", \"data\": {}}]}"));
    }

    private static String customer(String id) {
        return "{\"id\": \"%s\", \"name\": \"Ada Lovelace\", \"email\": \"ada@example.com\"}".formatted(id);
    }

    private static String account(String id) {
        return "{\"id\": \"%s\", \"currency\": \"EUR\", \"initialBalance\": 10}".formatted(id);
    }

    private static String order(String id, String customer) {
        return ("{\"id\": \"%s\", \"customerId\": \"%s\", \"currency\": \"EUR\", "
                + "\"items\": [{\"name\": \"Difference engine\", \"price\": 19.99, \"quantity\": 2}]}")
                .formatted(id, customer);
    }

    private long head() {
        Long position = jdbc.queryForObject("select coalesce(max(position), 0) from events", Long.class);
        return position == null ? 0 : position;
    }

    private HttpResponse<String> send(String method, Write write, String key) throws Exception {
        boolean body = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(write.path()))
                .method(method, body ? HttpRequest.BodyPublishers.ofString(write.body())
                        : HttpRequest.BodyPublishers.noBody());
        if (body) {
            request.header("Content-Type", "application/json");
        }
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<Operation> operations(JsonNode docs) {
        List<Operation> operations = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : docs.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> method : path.getValue().properties()) {
                String verb = method.getKey().toUpperCase(Locale.ROOT);
                if (!Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD").contains(verb)) {
                    continue;
                }
                String template = path.getKey();
                operations.add(new Operation(verb, template, concrete(template), roleOf(verb, template)));
            }
        }
        return operations;
    }

    /** The role the issue gives an operation: admin paths need admin; other reads reader; other writes writer. */
    private static Role roleOf(String method, String template) {
        assertThat(template).as("every operation of the API document is under /api/").startsWith("/api/");
        if (template.startsWith("/api/admin/")) {
            return Role.ADMIN;
        }
        if (method.equals("GET") || method.equals("HEAD")) {
            return Role.READER;
        }
        assertThat(method).as("a write outside /api/admin/ is a command or an append: " + template).isEqualTo("POST");
        return Role.WRITER;
    }

    /** Harmless values for the path variables: nothing by these names exists. */
    private static String concrete(String template) {
        return template.replaceAll("\\{([^}]+)}", "no-such-$1-0");
    }
}
