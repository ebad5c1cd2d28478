package io.projhub.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.neo4j.driver.Driver;
import org.springframework.beans.factory.annotation.Autowired;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.projhub.core.domain.CommandContext;
import io.projhub.core.domain.account.AccountCommands;
import io.projhub.core.domain.account.DepositMoney;
import io.projhub.core.domain.account.OpenAccount;
import io.projhub.core.domain.account.WithdrawMoney;
import io.projhub.core.domain.customer.CustomerCommands;
import io.projhub.core.domain.customer.RegisterCustomer;
import io.projhub.core.domain.order.CancelOrder;
import io.projhub.core.domain.order.CreateOrder;
import io.projhub.core.domain.order.OrderCommands;
import io.projhub.core.domain.order.ShipOrder;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.monitor.ConsistencyMonitor;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel;
import io.projhub.projectors.influxdb.InfluxDefinedReadModel;
import io.projhub.projectors.jdbc.JdbcDefinedReadModel;
import io.projhub.projectors.neo4j.Neo4jDefinedReadModel;
import io.projhub.projectors.redis.RedisDefinedReadModel;
import io.projhub.server.HubTestBase;
import io.projhub.server.TestAlertReceiver;
import io.projhub.server.projection.ReadModel;
import io.projhub.server.projection.ReadModels;
import redis.clients.jedis.JedisPooled;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The drift audit against the five real stores: read models of a domain only this test writes (so the audit's figures
 * are exact), each store's version records damaged behind the hub's back, the audit finding every difference by kind,
 * the lanes repairing what is missing or stale, a later audit clean, and the DRIFT alert raised and resolved; then
 * documents and a counter changed with the version records untouched, which only the content audit finds and repairs.
 */
class DriftAuditTest extends HubTestBase {

    private static final int STREAMS = 20;

    @Autowired
    EventStore store;

    @Autowired
    ReadModels readModels;

    @Autowired
    ElasticsearchClient elasticsearch;

    @Autowired
    JedisPooled redis;

    @Autowired
    Driver neo4j;

    @Autowired
    DataSource dataSource;

    @Autowired
    com.influxdb.client.InfluxDBClient influx;

    @Autowired
    ConsistencyMonitor monitor;

    @Autowired
    CustomerCommands customers;

    @Autowired
    OrderCommands orders;

    @Autowired
    AccountCommands accounts;

    @Test
    void anAuditFindsWhatWasDamagedBehindTheHubsBackRepairsItOnTheLaneAndTheNextAuditIsClean() throws Exception {
        String s = UUID.randomUUID().toString().replace("-", "").substring(0, 6);
        String installed = "Meter" + s + "Installed";
        String read = "Meter" + s + "Read";
        Map<String, String> definitions = definitions(s, installed, read);
        List<Path> files = new ArrayList<>();
        try {
            for (Map.Entry<String, String> definition : definitions.entrySet()) {
                Path file = DEFINITIONS.resolve(definition.getKey() + ".yaml");
                Files.writeString(file, definition.getValue());
                files.add(file);
            }
            HttpResponse<String> reload = post("/api/admin/read-models/reload", "", admin());
            assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);

            List<String> streams = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                String stream = "meter-" + s + "-" + i;
                streams.add(stream);
                Instant at = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(60L * i);
                store.append(stream, "meter", ExpectedVersion.NO_STREAM, List.of(
                        new NewEvent(installed, JsonNodeFactory.instance.objectNode().put("site", "site-" + (i % 3))
                                .put("reading", 0).put("at", at.toString())),
                        new NewEvent(read, JsonNodeFactory.instance.objectNode().put("site", "site-" + (i % 3))
                                .put("reading", 100 + i).put("at", at.plusSeconds(30).toString()))));
            }
            for (String name : definitions.keySet()) {
                await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(
                        readModel(name).probe().appliedVersions(streams).values()).as(name).containsOnly(2L));
            }

            // The monitor's own checks of these writes must be over before the damage, or it re-drives what we
            // delete and the audit has less to find.
            await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(monitor.status().readModels())
                    .filteredOn(rm -> definitions.containsKey(rm.name()))
                    .hasSize(definitions.size())
                    .allSatisfy(rm -> assertThat(rm.pendingVerifications()).as(rm.name()).isZero()));

            // 1. Exact read models: each audit is clean and has checked exactly this test's streams.
            for (String name : definitions.keySet()) {
                JsonNode audit = finished(start(name));
                assertThat(audit.path("state").asString()).as(audit.toString()).isEqualTo("DONE");
                assertThat(audit.path("streamsChecked").asLong()).isEqualTo(STREAMS);
                assertThat(audit.path("clean").asBoolean()).as(audit.toString()).isTrue();
            }

            // 2. Damage every store behind the hub's back.
            List<String> lost = streams.subList(0, 3);
            String behind = streams.get(3);
            String ghost = "meter-" + s + "-ghost";
            ElasticsearchDefinedReadModel es = (ElasticsearchDefinedReadModel) readModel("meters-es-" + s).defined();
            for (String stream : lost) {
                elasticsearch.delete(d -> d.index(es.concreteIndex()).id(stream));
            }
            elasticsearch.indices().refresh(r -> r.index(es.concreteIndex()));
            RedisDefinedReadModel rd = (RedisDefinedReadModel) readModel("meters-redis-" + s).defined();
            redis.hdel(rd.versionsKey(), lost.toArray(String[]::new));
            redis.hset(rd.versionsKey(), behind, "1");
            redis.hset(rd.versionsKey(), ghost, "5");
            Neo4jDefinedReadModel graph = (Neo4jDefinedReadModel) readModel("meters-graph-" + s).defined();
            try (var session = neo4j.session()) {
                session.run("MATCH (v:" + Neo4jDefinedReadModel.VERSION_LABEL + " {rm: $rm}) WHERE v.stream IN $lost "
                        + "DELETE v", Map.of("rm", graph.marker(), "lost", lost)).consume();
            }
            String rows = ((JdbcDefinedReadModel) readModel("meters-table-" + s).defined()).versionsTable();
            String points = ((InfluxDefinedReadModel) readModel("meters-flow-" + s).defined()).versionsTable();
            for (String table : List.of(rows, points)) {
                sql("delete from " + table + " where stream_id = any(?)", (Object) lost.toArray(String[]::new));
                sql("update " + table + " set version = 1 where stream_id = ?", behind);
                sql("insert into " + table + " (stream_id, version) values (?, 3)", ghost);
            }

            // 3. The audits find it by kind, the lanes repair what is missing or stale, extras are only reported.
            long firstRunning = start("meters-table-" + s);
            HttpResponse<String> twice = post("/api/admin/read-models/meters-table-" + s + "/audit", "", admin());
            assertThat(twice.statusCode()).as(twice.body()).isEqualTo(409);
            assertThat(twice.body()).contains(String.valueOf(firstRunning));
            Map<String, JsonNode> audits = new LinkedHashMap<>();
            audits.put("meters-table-" + s, finished(firstRunning));
            for (String name : definitions.keySet()) {
                if (!audits.containsKey(name)) {
                    audits.put(name, finished(start(name)));
                }
            }
            for (Map.Entry<String, JsonNode> entry : audits.entrySet()) {
                String name = entry.getKey();
                JsonNode audit = entry.getValue();
                boolean versionTableOnly = name.startsWith("meters-es-") || name.startsWith("meters-graph-");
                JsonNode counts = audit.path("counts");
                assertThat(counts.path("missing").asLong()).as(name + ": " + audit).isEqualTo(3);
                assertThat(counts.path("stale").asLong()).as(name + ": " + audit).isEqualTo(versionTableOnly ? 0 : 1);
                assertThat(counts.path("extra").asLong()).as(name + ": " + audit).isEqualTo(versionTableOnly ? 0 : 1);
                assertThat(counts.path("parked").asLong()).isZero();
                assertThat(audit.path("repaired").asLong()).isEqualTo(versionTableOnly ? 3 : 4);
                assertThat(audit.path("unrepaired").asLong()).isZero();
                assertThat(audit.path("clean").asBoolean()).isFalse();
                Map<String, JsonNode> listed = new LinkedHashMap<>();
                audit.path("differences").forEach(d -> listed.put(d.path("streamId").asString(), d));
                for (String stream : lost) {
                    assertThat(listed.get(stream).path("kind").asString()).isEqualTo("missing");
                    assertThat(listed.get(stream).path("logVersion").asLong()).isEqualTo(2);
                    assertThat(listed.get(stream).path("storeVersion").asLong()).isZero();
                    assertThat(listed.get(stream).path("repaired").asBoolean()).isTrue();
                }
                if (!versionTableOnly) {
                    assertThat(listed.get(behind).path("kind").asString()).isEqualTo("stale");
                    assertThat(listed.get(behind).path("storeVersion").asLong()).isEqualTo(1);
                    assertThat(listed.get(ghost).path("kind").asString()).isEqualTo("extra");
                    assertThat(listed.get(ghost).path("repaired").asBoolean()).isFalse();
                }
                assertThat(readModel(name).probe().appliedVersions(streams).values()).as(name).containsOnly(2L);
                assertThat(firingDrift()).as("a DRIFT alert per damaged read model").contains(name);
            }
            for (String stream : lost) {
                HttpResponse<String> doc = get("/api/read-models/meters-es-" + s + "/documents/" + stream);
                assertThat(doc.statusCode()).as("the deleted document is back: " + doc.body()).isEqualTo(200);
                assertThat(json(doc).path("reading").asLong()).isEqualTo(100 + streams.indexOf(stream));
            }

            // 4. The next audits: nothing missing or stale; the extras stay until an admin asks for them to go.
            for (String name : definitions.keySet()) {
                JsonNode audit = finished(start(name));
                boolean hasGhost = !name.startsWith("meters-es-") && !name.startsWith("meters-graph-");
                assertThat(audit.path("counts").path("missing").asLong()).as(audit.toString()).isZero();
                assertThat(audit.path("counts").path("stale").asLong()).isZero();
                assertThat(audit.path("counts").path("extra").asLong()).isEqualTo(hasGhost ? 1 : 0);
                assertThat(audit.path("clean").asBoolean()).isEqualTo(!hasGhost);
            }
            for (String name : List.of("meters-redis-" + s, "meters-table-" + s)) {
                HttpResponse<String> started = post("/api/admin/read-models/" + name + "/audit",
                        "{\"removeExtra\": true}", admin());
                assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
                JsonNode removal = finished(json(started).path("id").asLong());
                assertThat(removal.path("counts").path("extra").asLong()).as(removal.toString()).isEqualTo(1);
                assertThat(removal.path("repaired").asLong()).isEqualTo(1);
                assertThat(removal.path("differences").get(0).path("streamId").asString()).isEqualTo(ghost);
                assertThat(removal.path("differences").get(0).path("repaired").asBoolean()).isTrue();
                assertThat(readModel(name).probe().appliedVersion(ghost)).isZero();
                assertThat(finished(start(name)).path("clean").asBoolean()).isTrue();
            }
            assertThat(firingDrift()).contains("meters-flow-" + s)
                    .doesNotContain("meters-es-" + s, "meters-redis-" + s, "meters-graph-" + s, "meters-table-" + s);
            assertThat(TestAlertReceiver.get().received()).as("the notifiers were told")
                    .anySatisfy(n -> {
                        assertThat(n.path("alert").path("kind").asString()).isEqualTo("DRIFT");
                        assertThat(n.path("alert").path("readModel").asString()).isEqualTo("meters-es-" + s);
                    });

            assertThat(counter("meters-redis-" + s, "readings")).as("the repairs counted nothing twice")
                    .isEqualTo(STREAMS);

            // 5. Content changed behind the hub's back, version records untouched: only a content audit sees it.
            String edited = streams.get(5);
            String gone = streams.get(6);
            elasticsearch.update(u -> u.index(es.concreteIndex()).id(edited).doc(Map.of("reading", 999)), Map.class);
            redis.hset(rd.keyPrefix() + "doc:" + edited, "reading", "999");
            redis.del(rd.keyPrefix() + "doc:" + gone);
            redis.set(rd.keyPrefix() + "counter:readings", "7");
            try (var session = neo4j.session()) {
                session.run("MATCH (n:Meter" + s + " {" + Neo4jDefinedReadModel.MARKER + ": $rm, key: $key}) "
                        + "SET n.reading = 999", Map.of("rm", graph.marker(), "key", edited)).consume();
            }
            JdbcDefinedReadModel table = (JdbcDefinedReadModel) readModel("meters-table-" + s).defined();
            sql("update read_model_test." + table.tableName() + " set reading = 999 where key = ?", edited);
            sql("delete from read_model_test." + table.tableName() + " where key = ?", gone);
            InfluxDefinedReadModel flow = (InfluxDefinedReadModel) readModel("meters-flow-" + s).defined();
            influx.getInfluxQLQueryApi().queryJSON(new com.influxdb.client.domain.InfluxQLQuery("DELETE FROM \""
                    + flow.measurement() + "\" WHERE \"site\" = 'site-1'", flow.bucket()));
            elasticsearch.indices().refresh(r -> r.index(es.concreteIndex()));
            // Influx: the points of the 7 streams at site-1 (i % 3 == 1), two each.
            Map<String, Integer> expected = Map.of("meters-es-" + s, 1, "meters-redis-" + s, 3,
                    "meters-graph-" + s, 1, "meters-table-" + s, 2, "meters-flow-" + s, 14);
            for (String name : definitions.keySet()) {
                HttpResponse<String> started = post("/api/admin/read-models/" + name + "/audit",
                        "{\"content\": true, \"sample\": " + STREAMS + "}", admin());
                assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
                JsonNode audit = finished(json(started).path("id").asLong());
                assertThat(audit.path("sample").asInt()).isEqualTo(STREAMS);
                assertThat(audit.path("contentChecked").asLong()).as(name + ": " + audit).isEqualTo(STREAMS);
                assertThat(audit.path("counts").path("content").asLong()).as(name + ": " + audit)
                        .isEqualTo(expected.get(name).longValue());
                assertThat(audit.path("counts").path("missing").asLong()).isZero();
                assertThat(audit.path("repaired").asLong()).isEqualTo(expected.get(name).longValue());
                assertThat(audit.path("unrepaired").asLong()).isZero();
                for (JsonNode difference : audit.path("differences")) {
                    if (difference.path("kind").asString().equals("content") && difference.hasNonNull("streamId")
                            && !name.startsWith("meters-flow-")) {
                        assertThat(difference.path("streamId").asString()).isIn(edited, gone);
                    }
                }
                if (expected.get(name) > 0 && !name.startsWith("meters-flow-")) {
                    HttpResponse<String> doc = get("/api/read-models/" + name + "/documents/" + edited);
                    JsonNode fields = json(doc).has("properties") ? json(doc).path("properties") : json(doc);
                    assertThat(fields.path("reading").asLong()).as(name + ": " + doc.body())
                            .isEqualTo(100 + streams.indexOf(edited));
                }
            }
            assertThat(json(get("/api/read-models/meters-redis-" + s + "/documents/" + gone)).path("reading").asLong())
                    .isEqualTo(100 + streams.indexOf(gone));
            assertThat(json(get("/api/read-models/meters-table-" + s + "/documents/" + gone)).path("reading").asLong())
                    .isEqualTo(100 + streams.indexOf(gone));
            assertThat(counter("meters-redis-" + s, "readings")).isEqualTo(STREAMS);
            JsonNode again = finished(contentAudit("meters-redis-" + s));
            assertThat(again.path("clean").asBoolean()).as(again.toString()).isTrue();

            // The API: its list, an unknown read model, an audit without credentials, bad bodies.
            JsonNode list = json(get("/api/audits?readModel=meters-es-" + s));
            assertThat(list.size()).isEqualTo(4);
            assertThat(list.get(0).path("counts").path("content").asLong()).as("newest first").isEqualTo(1);
            assertThat(list.get(1).path("clean").asBoolean()).isTrue();
            assertThat(post("/api/admin/read-models/no-such-model/audit", "", admin()).statusCode()).isEqualTo(404);
            assertThat(post("/api/admin/read-models/meters-es-" + s + "/audit", "").statusCode()).isEqualTo(401);
            assertThat(get("/api/audits/999999999").statusCode()).isEqualTo(404);
            assertThat(get("/api/audits?limit=0").statusCode()).isEqualTo(400);
            HttpResponse<String> badSample = post("/api/admin/read-models/meters-es-" + s + "/audit",
                    "{\"content\": true, \"sample\": 0}", admin());
            assertThat(badSample.statusCode()).isEqualTo(400);
            assertThat(badSample.body()).contains("sample");
            assertThat(post("/api/admin/read-models/meters-es-" + s + "/audit", "{\"sample\": 5}", admin())
                    .statusCode()).isEqualTo(400);
            assertThat(post("/api/admin/read-models/meters-es-" + s + "/audit", "{\"colour\": 5}", admin())
                    .statusCode()).isEqualTo(400);
        } finally {
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
            post("/api/admin/read-models/reload", "", admin());
            for (String name : definitions.keySet()) {
                delete("/api/admin/read-models/" + name);
            }
        }
    }

    /**
     * The shipped read models, written by the hub from commands, match the fold of their streams field by field in
     * every store (decimals, timestamps, sets as each store keeps them): a content audit finds nothing to repair.
     */
    @Test
    void theShippedReadModelsMatchTheFoldOfTheLogFieldByField() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String customer = customers.register(new RegisterCustomer(null, "Audit " + run, run + "@example.com"),
                CommandContext.none()).streamId();
        List<AppendResult> writes = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            AppendResult created = orders.create(new CreateOrder(null, customer, i % 2 == 0 ? "EUR" : "CHF",
                    List.of(new CreateOrder.Item("Widget" + run, new BigDecimal("4.25"), 1 + i),
                            new CreateOrder.Item("Gadget" + run, new BigDecimal("0.10"), 3))), CommandContext.none());
            writes.add(created);
            if (i % 3 == 1) {
                writes.add(orders.ship(new ShipOrder(created.streamId(), "TRK-" + run + i, "DHL"),
                        CommandContext.none()));
            } else if (i % 3 == 2) {
                writes.add(orders.cancel(new CancelOrder(created.streamId(), "audit"), CommandContext.none()));
            }
        }
        for (int i = 0; i < 3; i++) {
            String account = accounts.open(new OpenAccount(null, "EUR", new BigDecimal("100.00")),
                    CommandContext.none()).streamId();
            writes.add(accounts.deposit(new DepositMoney(account, new BigDecimal("25.50"), "salary"),
                    CommandContext.none()));
            writes.add(accounts.withdraw(new WithdrawMoney(account, new BigDecimal("10.05"), "rent"),
                    CommandContext.none()));
        }
        List<String> shipped = new ArrayList<>();
        try (var files = Files.list(Path.of("..", "read-models"))) {
            files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".yaml"))
                    .forEach(f -> shipped.add(f.substring(0, f.length() - ".yaml".length())));
        }
        for (String name : shipped) {
            ReadModel model = readModel(name);
            await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
                for (AppendResult write : writes) {
                    assertThat(model.probe().checkpoint().compareTo(write.position())).as(name)
                            .isGreaterThanOrEqualTo(0);
                }
            });
        }
        // The hub's other tests share these read models (and a developer's database keeps older runs'): only this
        // test's own streams must come out exact; the sample covers them all.
        java.util.Set<String> own = new java.util.HashSet<>();
        own.add(customer);
        writes.forEach(w -> own.add(w.streamId()));
        for (String name : shipped) {
            HttpResponse<String> started = post("/api/admin/read-models/" + name + "/audit",
                    "{\"content\": true, \"sample\": 100000}", admin());
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            JsonNode audit = finished(json(started).path("id").asLong());
            assertThat(audit.path("state").asString()).as(audit.toString()).isEqualTo("DONE");
            assertThat(audit.path("contentChecked").asLong()).as(name + ": " + audit).isPositive();
            assertThat(audit.path("counts").path("content").asLong()).as(name + ": " + audit)
                    .isLessThanOrEqualTo(io.projhub.monitor.audit.AuditReport.LISTED);
            for (JsonNode difference : audit.path("differences")) {
                assertThat(own).as(name + ": " + difference).doesNotContain(difference.path("streamId").asString());
            }
        }
    }

    private ReadModel readModel(String name) {
        return readModels.find(name).orElseThrow(() -> new AssertionError("no read model " + name));
    }

    private long start(String name) throws Exception {
        HttpResponse<String> response = post("/api/admin/read-models/" + name + "/audit", "", admin());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(response.headers().firstValue("Location"))
                .hasValueSatisfying(l -> assertThat(l).startsWith("/api/audits/"));
        return json(response).path("id").asLong();
    }

    private long contentAudit(String name) throws Exception {
        HttpResponse<String> response = post("/api/admin/read-models/" + name + "/audit",
                "{\"content\": true, \"sample\": " + STREAMS + "}", admin());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return json(response).path("id").asLong();
    }

    private long counter(String name, String counter) throws Exception {
        HttpResponse<String> response = get("/api/read-models/" + name + "/counters/" + counter);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response).path("value").asLong();
    }

    private JsonNode finished(long id) {
        return await().atMost(Duration.ofSeconds(120)).until(() -> json(get("/api/audits/" + id)),
                audit -> !audit.path("state").asString().equals("RUNNING"));
    }

    private List<String> firingDrift() throws Exception {
        List<String> readModels = new ArrayList<>();
        for (JsonNode alert : json(get("/api/alerts?status=FIRING&limit=1000"))) {
            if (alert.path("kind").asString().equals("DRIFT")) {
                readModels.add(alert.path("readModel").asString());
            }
        }
        return readModels;
    }

    private void sql(String statement, Object... values) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(statement)) {
            for (int i = 0; i < values.length; i++) {
                if (values[i] instanceof String[] array) {
                    ps.setArray(i + 1, c.createArrayOf("text", array));
                } else {
                    ps.setObject(i + 1, values[i]);
                }
            }
            ps.executeUpdate();
        }
    }


    /** A read model of the meters in a document store: a document per meter; {@code more}: changes added on reads. */
    private static String document(String s, String name, String store, String target, String installed, String read,
                                   String more) {
        return """
                name: meters-%2$s-%1$s
                store: %3$s
                version: 1
                target: %4$s
                fields: {site: keyword, reading: long}
                on:
                  %5$s:
                    - set: {site: data.site, reading: data.reading}
                  %6$s:
                    - set: {reading: data.reading}%7$s
                """.formatted(s, name, store, target.formatted(s), installed, read, more);
    }

    private static Map<String, String> definitions(String s, String installed, String read) {
        Map<String, String> definitions = new LinkedHashMap<>();
        definitions.put("meters-es-" + s, document(s, "es", "elasticsearch", "{index: meters_%1$s}", installed, read,
                ""));
        definitions.put("meters-redis-" + s, document(s, "redis", "redis", "{keyPrefix: meters_%1$s}", installed, read,
                "\n    - counter: {name: \"'readings'\", by: 1}"));
        definitions.put("meters-graph-" + s, document(s, "graph", "neo4j", "{labels: [Meter%1$s]}", installed, read,
                ""));
        definitions.put("meters-table-" + s, document(s, "table", "postgres", "{table: meters_%1$s}", installed, read,
                ""));
        definitions.put("meters-flow-" + s, """
                name: meters-flow-%1$s
                store: influxdb
                version: 1
                target: {measurement: meters_%1$s}
                tags: [site]
                fields: {reading: long}
                on:
                  %2$s:
                    - point: {tags: {site: data.site}, fields: {reading: data.reading}, time: data.at}
                  %3$s:
                    - point: {tags: {site: data.site}, fields: {reading: data.reading}, time: data.at}
                """.formatted(s, installed, read));
        return definitions;
    }
}
