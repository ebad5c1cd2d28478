package io.projhub.server.definitions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.projhub.server.HubTestBase;
import io.projhub.server.queries.ConsistencyGate;
import tools.jackson.databind.JsonNode;

/**
 * The read models of definition files through the hub's API, against the real stores: the shipped account read
 * models in all five stores, a definition for a domain no code knows added at run time, reload errors, preview.
 */
class ReadModelDefinitionsApiTest extends HubTestBase {

    private String command(String path, String body) throws Exception {
        HttpResponse<String> response = post(path, body);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isBetween(200, 201);
        return json(response).path("position").asString();
    }

    /**
     * A read with the token, until it answers consistent: a store another test stopped may still be catching up, and
     * a read model added by a test projects the whole log (which grows with every run on the same database).
     */
    private HttpResponse<String> consistentGet(String path, String token) {
        java.util.concurrent.atomic.AtomicReference<HttpResponse<String>> answer =
                new java.util.concurrent.atomic.AtomicReference<>();
        await().atMost(Duration.ofSeconds(240)).untilAsserted(() -> {
            HttpResponse<String> response = get(path, ConsistencyGate.TOKEN_HEADER, token);
            assertThat(response.headers().firstValue(ConsistencyGate.CONSISTENCY_HEADER)).as(path)
                    .hasValue("consistent");
            answer.set(response);
        });
        return answer.get();
    }

    @Test
    void theAccountReadModelsAreListedWithTheirStoreVersionAndFile() throws Exception {
        JsonNode list = json(get("/api/read-models"));
        assertThat(list.findValuesAsString("name")).contains("account-search", "account-balances", "account-graph",
                "money-flow", "account-ledger", "order-search", "order-stats", "order-details", "customer-directory", "order-lifecycle", "order-graph");
        for (JsonNode model : list) {
            if (model.path("name").asString().equals("account-ledger")) {
                assertThat(model.path("kind").asString()).isEqualTo("definition");
                assertThat(model.path("store").asString()).isEqualTo("postgres");
                assertThat(model.path("version").asInt()).isEqualTo(1);
                assertThat(model.path("file").asString()).endsWith("account-ledger.yaml");
                assertThat(model.path("fields").path("balance").asString()).isEqualTo("decimal");
            }
        }
        HttpResponse<String> schema = get("/api/read-models/schema");
        assertThat(schema.statusCode()).isEqualTo(200);
        assertThat(json(schema).path("$schema").asString()).contains("2020-12");
    }

    @Test
    void anAccountsMoneyIsExactInEveryStore() throws Exception {
        String account = "acct-" + UUID.randomUUID().toString().substring(0, 8);
        command("/api/accounts", "{\"id\":\"" + account + "\",\"currency\":\"CHF\",\"initialBalance\":100.10}");
        command("/api/accounts/" + account + "/deposit", "{\"amount\":0.20,\"source\":\"salary\"}");
        String token = command("/api/accounts/" + account + "/withdraw", "{\"amount\":0.30,\"reason\":\"rent\"}");

        HttpResponse<String> searched = consistentGet("/api/read-models/account-search/search?accountId=" + account,
                token);
        assertThat(json(searched).path("total").asLong()).isEqualTo(1);
        assertThat(searched.body()).as("exact decimals on the wire").contains("\"balance\":100.00")
                .contains("\"deposited\":0.20").contains("salary");

        JsonNode hash = json(consistentGet("/api/read-models/account-balances/documents/" + account, token));
        assertThat(new BigDecimal(hash.path("balance").asString())).isEqualByComparingTo("100.00");
        assertThat(hash.path("deposits").asLong()).isEqualTo(1);
        JsonNode ranking = json(consistentGet("/api/read-models/account-balances/sorted-sets/by-balance?limit=1000",
                token));
        assertThat(ranking.toString()).contains(account);

        JsonNode node = json(consistentGet("/api/read-models/account-graph/documents/" + account + "?depth=1", token));
        assertThat(node.toString()).contains("DEPOSITED").contains("WITHDREW").contains(account + "/2");

        JsonNode row = json(consistentGet("/api/read-models/account-ledger/documents/" + account, token));
        assertThat(new BigDecimal(row.path("balance").asString(row.path("balance").toString())))
                .isEqualByComparingTo("100.00");
        assertThat(row.toString()).contains("account_movements").contains("withdrawal");
        JsonNode rows = json(consistentGet("/api/read-models/account-ledger/rows?account_id=" + account, token));
        assertThat(rows.path("total").asLong()).isEqualTo(1);

        JsonNode series = json(consistentGet("/api/read-models/money-flow/series?field=amount&fn=count&range=3650d"
                + "&currency=CHF", token));
        assertThat(series.path("buckets").size()).isPositive();
    }

    @Test
    void aDefinitionForEventsNoCodeKnowsIsAddedAtRunTimeQueriedAndDropped() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 6).replace("-", "");
        String name = "parcels-" + suffix;
        Path file = DEFINITIONS.resolve(name + ".yaml");
        Files.writeString(file, """
                name: %s
                store: postgres
                version: 1
                target:
                  table: parcels_%s
                  tables:
                    scans_%s:
                      key: [seq]
                      columns: {seq: long, place: keyword}
                fields:
                  status: keyword
                  weight: {type: decimal, scale: 3}
                  scans: long
                on:
                  ParcelRegistered:
                    - set: {status: "'REGISTERED'", weight: data.weightKg, scans: 0}
                  ParcelScanned:
                    - increment: {scans: 1}
                    - row: {table: scans_%s, key: {seq: version}, set: {place: data.place}}
                  ParcelDelivered:
                    - set: {status: "'DELIVERED'"}
                """.formatted(name, suffix, suffix, suffix));
        try {
            HttpResponse<String> reload = post("/api/admin/read-models/reload", "", admin());
            assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
            assertThat(json(reload).path("added").toString()).contains(name);

            String parcel = "parcel-" + suffix;
            String token = command("/api/streams/" + parcel + "/events", """
                    {"streamType":"parcel","events":[
                      {"type":"ParcelRegistered","data":{"weightKg":1.250}},
                      {"type":"ParcelScanned","data":{"place":"Basel"}},
                      {"type":"ParcelScanned","data":{"place":"Zurich"}},
                      {"type":"ParcelDelivered","data":{}}]}""");
            await().atMost(Duration.ofSeconds(240)).untilAsserted(() -> {
                HttpResponse<String> row = get("/api/read-models/" + name + "/documents/" + parcel,
                        ConsistencyGate.TOKEN_HEADER, token);
                assertThat(row.statusCode()).as(row.body()).isEqualTo(200);
                JsonNode doc = json(row);
                assertThat(doc.path("status").asString()).isEqualTo("DELIVERED");
                assertThat(doc.path("scans").asLong()).isEqualTo(2);
                assertThat(doc.toString()).contains("Basel").contains("Zurich");
                assertThat(row.body()).contains("\"weight\":1.250");
            });
            // A new read model projects the whole log: parcels of earlier runs are in it too.
            JsonNode delivered = json(get("/api/read-models/" + name + "/rows?status=DELIVERED&size=100&sort=-scans"));
            assertThat(delivered.path("total").asLong()).isPositive();
            assertThat(delivered.path("rows").toString()).contains(parcel);
            assertThat(json(get("/api/read-models/" + name + "/rows?status=REGISTERED")).path("rows").toString())
                    .doesNotContain(parcel);
            assertThat(get("/api/read-models/" + name + "/rows?colour=red").statusCode()).isEqualTo(400);
            assertThat(get("/api/read-models/" + name + "/search?q=x").statusCode()).isEqualTo(404);

            assertThat(delete("/api/admin/read-models/" + name).statusCode()).as("still defined").isEqualTo(409);
        } finally {
            Files.deleteIfExists(file);
        }
        HttpResponse<String> reload = post("/api/admin/read-models/reload", "", admin());
        assertThat(json(reload).path("removed").toString()).contains(name);
        assertThat(get("/api/read-models/" + name).statusCode()).isEqualTo(404);
        assertThat(delete("/api/admin/read-models/" + name).statusCode()).isEqualTo(204);
        assertThat(delete("/api/admin/read-models/" + name).statusCode()).isEqualTo(404);
    }

    @Test
    void aReloadWithErrorsListsThemAndKeepsTheRunningSet() throws Exception {
        Path file = DEFINITIONS.resolve("zz-broken.yaml");
        Files.writeString(file, """
                name: broken-one
                store: redis
                version: 1
                target: {keyPrefix: broken}
                fields: {n: long}
                on:
                  Something:
                    - set: {n: "streamId"}
                """);
        try {
            HttpResponse<String> reload = post("/api/admin/read-models/reload", "", admin());
            assertThat(reload.statusCode()).isEqualTo(400);
            assertThat(json(reload).path("errors").get(0).asString())
                    .startsWith(file.toString() + ":8:")
                    .contains("the field n is long");
            assertThat(post("/api/admin/read-models/reload", "").statusCode()).as("admin only").isEqualTo(401);
            assertThat(json(get("/api/read-models")).findValuesAsString("name")).contains("account-search")
                    .doesNotContain("broken-one");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void aPreviewShowsTheWritesOfAStreamWithoutMakingThem() throws Exception {
        String account = "acct-p-" + UUID.randomUUID().toString().substring(0, 8);
        command("/api/accounts", "{\"id\":\"" + account + "\",\"currency\":\"EUR\",\"initialBalance\":5.00}");
        command("/api/accounts/" + account + "/deposit", "{\"amount\":2.50,\"source\":\"gift\"}");
        String definition = Files.readString(DEFINITIONS.resolve("account-search.yaml"))
                .replace("name: account-search", "name: preview-only").replace("index: accounts", "index: preview");
        HttpResponse<String> preview = post("/api/admin/read-models/preview", JSON.writeValueAsString(
                java.util.Map.of("definition", definition, "streamId", account)), admin());
        assertThat(preview.statusCode()).as(preview.body()).isEqualTo(200);
        JsonNode body = json(preview);
        assertThat(body.path("events").size()).isEqualTo(2);
        assertThat(body.path("events").get(1).path("changes").toString()).contains("Increment");
        assertThat(preview.body()).contains("\"delta\":2.50");
        assertThat(body.path("documents").path(account).path("balance").decimalValue()).isEqualByComparingTo("7.50");
        assertThat(get("/api/read-models/preview-only").statusCode()).as("nothing was created").isEqualTo(404);

        HttpResponse<String> bad = post("/api/admin/read-models/preview",
                "{\"definition\":\"name: x\\nstore: nowhere\\n\",\"streamId\":\"" + account + "\"}", admin());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("preview.yaml:2:");
        assertThat(post("/api/admin/read-models/preview", "{\"streamId\":\"" + account + "\"}", admin())
                .statusCode()).isEqualTo(400);
    }

    @Test
    void aNewVersionBuildsBesideTheLiveOneWhichAnswersUntilItHasCaughtUpAndCanBeSwitchedBack() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        String name = "tallies-" + suffix;
        Path file = DEFINITIONS.resolve(name + ".yaml");
        String v1 = """
                name: %s
                store: redis
                version: 1
                target: {keyPrefix: tallies_%s}
                fields: {count: long}
                on:
                  TallyCounted:
                    - increment: {count: 1}
                """.formatted(name, suffix);
        String v2 = v1.replace("version: 1", "version: 2").replace("fields: {count: long}",
                "fields: {count: long, last: keyword}").replace("- increment: {count: 1}",
                "- increment: {count: 1}\n      set: {last: data.label}");
        String tally = "tally-" + suffix;
        try {
            Files.writeString(file, v1);
            assertThat(post("/api/admin/read-models/reload", "", admin()).statusCode()).isEqualTo(200);
            String token = command("/api/streams/" + tally + "/events", """
                    {"streamType":"tally","events":[{"type":"TallyCounted","data":{"label":"a"}},
                      {"type":"TallyCounted","data":{"label":"b"}}]}""");
            await().atMost(Duration.ofSeconds(240)).untilAsserted(() -> assertThat(json(get("/api/read-models/" + name
                    + "/documents/" + tally, ConsistencyGate.TOKEN_HEADER, token)).path("count").asLong()).isEqualTo(2));

            Files.writeString(file, v1.replace("version: 1", "version: 1\ndescription: changed"));
            HttpResponse<String> sameVersion = post("/api/admin/read-models/reload", "", admin());
            assertThat(sameVersion.statusCode()).isEqualTo(400);
            assertThat(sameVersion.body()).contains("changed but its version did not");

            Files.writeString(file, v2);
            HttpResponse<String> reload = post("/api/admin/read-models/reload", "", admin());
            assertThat(json(reload).path("changed").toString()).as(reload.body()).contains(name);
            assertThat(json(get("/api/read-models/" + name)).path("version").asInt())
                    .as("the live version answers while the new one builds").isEqualTo(1);
            assertThat(json(get("/api/read-models/" + name + "~v2")).path("kind").asString()).isEqualTo("building");

            await().atMost(Duration.ofSeconds(240)).untilAsserted(() -> {
                assertThat(json(get("/api/read-models/" + name)).path("version").asInt()).isEqualTo(2);
                JsonNode doc = json(get("/api/read-models/" + name + "/documents/" + tally));
                assertThat(doc.path("count").asLong()).isEqualTo(2);
                assertThat(doc.path("last").asString()).isEqualTo("b");
            });
            assertThat(get("/api/read-models/" + name + "~v2").statusCode()).isEqualTo(404);

            HttpResponse<String> back = post("/api/admin/read-models/" + name + "/switch-back", "", admin());
            assertThat(back.statusCode()).as(back.body()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(240)).untilAsserted(() ->
                    assertThat(json(get("/api/read-models/" + name)).path("version").asInt()).isEqualTo(1));
            assertThat(json(get("/api/read-models/" + name + "/documents/" + tally)).has("last")).isFalse();
            assertThat(post("/api/admin/read-models/no-such/switch-back", "", admin()).statusCode()).isEqualTo(404);
        } finally {
            Files.deleteIfExists(file);
            post("/api/admin/read-models/reload", "", admin());
        }
        assertThat(delete("/api/admin/read-models/" + name).statusCode()).isEqualTo(204);
    }

    @Test
    void anExpressionThatFailsOnAnEventDeadLettersItForThatReadModelOnlyNamingTheFileAndTheExpression()
            throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        String name = "gauges-" + suffix;
        Path file = DEFINITIONS.resolve(name + ".yaml");
        Files.writeString(file, """
                name: %s
                store: postgres
                version: 1
                target: {table: gauges_%s}
                fields: {reading: long}
                on:
                  GaugeRead:
                    - set: {reading: data.value.amount}
                """.formatted(name, suffix));
        try {
            assertThat(post("/api/admin/read-models/reload", "", admin()).statusCode()).isEqualTo(200);
            String gauge = "gauge-" + suffix;
            command("/api/streams/" + gauge + "/events", """
                    {"streamType":"gauge","events":[{"type":"GaugeRead","data":{"value":{"amount":7}}},
                      {"type":"GaugeRead","data":{"value":"broken"}},
                      {"type":"GaugeRead","data":{"value":{"amount":9}}}]}""");
            await().atMost(Duration.ofSeconds(240)).untilAsserted(() -> {
                JsonNode letters = json(get("/api/dead-letters?lane=" + name + "&streamId=" + gauge));
                assertThat(letters.size()).isEqualTo(2);
                JsonNode head = letters.get(0);
                assertThat(head.path("status").asString()).isEqualTo("PENDING");
                assertThat(head.path("version").asLong()).isEqualTo(2);
                assertThat(head.toString()).contains(name + ".yaml:8:").contains("data.value.amount");
                assertThat(letters.get(1).path("status").asString()).isEqualTo("PARKED");
            });
            assertThat(json(get("/api/read-models/" + name + "/documents/" + gauge)).path("reading").asLong())
                    .as("version 1 applied, 2 dead-lettered, 3 parked behind it").isEqualTo(7);
            assertThat(json(get("/api/dead-letters?streamId=" + gauge)).size()).as("no other read model")
                    .isEqualTo(2);
            for (JsonNode lane : json(get("/api/lanes")).path("lanes")) {
                if (lane.path("name").asString().startsWith("account-")) {
                    assertThat(lane.path("deadLetters").asLong()).as(lane.path("name").asString()).isZero();
                }
            }
        } finally {
            Files.deleteIfExists(file);
            post("/api/admin/read-models/reload", "", admin());
        }
        assertThat(delete("/api/admin/read-models/" + name).statusCode()).isEqualTo(204);
    }

    @Test
    void countersThatMoveWithAStatusReadTheCurrentDocument() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        String name = "tickets-" + suffix;
        Path file = DEFINITIONS.resolve(name + ".yaml");
        Files.writeString(file, """
                name: %s
                store: redis
                version: 1
                target: {keyPrefix: tickets_%s}
                fields: {board: keyword, status: keyword, previous: keyword}
                on:
                  TicketOpened:
                    - set: {board: data.board, status: "'OPEN'"}
                    - counter: {name: "data.board + '-OPEN'", by: 1}
                  TicketMoved:
                    - counter: {name: "doc.board + '-' + doc.status", by: -1}
                    - counter: {name: "doc.board + '-' + data.to", by: 1}
                    - set: {status: data.to, previous: doc.status}
                """.formatted(name, suffix));
        try {
            assertThat(post("/api/admin/read-models/reload", "", admin()).statusCode()).isEqualTo(200);
            String first = "ticket-a-" + suffix;
            String second = "ticket-b-" + suffix;
            command("/api/streams/" + first + "/events", """
                    {"streamType":"ticket","events":[{"type":"TicketOpened","data":{"board":"%s"}},
                      {"type":"TicketMoved","data":{"to":"DOING"}},{"type":"TicketMoved","data":{"to":"DONE"}}]}"""
                    .formatted(suffix));
            String token = command("/api/streams/" + second + "/events", """
                    {"streamType":"ticket","events":[{"type":"TicketOpened","data":{"board":"%s"}},
                      {"type":"TicketMoved","data":{"to":"DOING"}}]}""".formatted(suffix));
            JsonNode doc = json(consistentGet("/api/read-models/" + name + "/documents/" + first, token));
            assertThat(doc.path("status").asString()).isEqualTo("DONE");
            assertThat(doc.path("previous").asString()).isEqualTo("DOING");
            for (String[] expected : new String[][] {{"OPEN", "0"}, {"DOING", "1"}, {"DONE", "1"}}) {
                // a new read model projects the whole log: the counters are per board, this run's board only
                assertThat(json(consistentGet("/api/read-models/" + name + "/counters/" + suffix + "-" + expected[0],
                        token))
                        .path("value").asLong()).as(expected[0]).isEqualTo(Long.parseLong(expected[1]));
            }
        } finally {
            Files.deleteIfExists(file);
            post("/api/admin/read-models/reload", "", admin());
        }
        assertThat(delete("/api/admin/read-models/" + name).statusCode()).isEqualTo(204);
    }

}
