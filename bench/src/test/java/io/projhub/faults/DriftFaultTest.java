package io.projhub.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import com.influxdb.client.domain.InfluxQLQuery;

import io.projhub.bench.BenchStores;
import io.projhub.bench.HubApi;
import io.projhub.bench.HubProcess;
import io.projhub.bench.OrderWorkload;
import io.projhub.bench.OrderWorkload.Append;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel;
import io.projhub.projectors.influxdb.InfluxDefinedReadModel;
import io.projhub.projectors.jdbc.JdbcDefinedReadModel;
import io.projhub.projectors.neo4j.Neo4jDefinedReadModel;
import io.projhub.projectors.redis.RedisDefinedReadModel;
import tools.jackson.databind.JsonNode;

/**
 * Drift behind the hub's back (issue 17): while commands flow, each store is changed directly, as an operator, a
 * lifecycle policy or a restore would; the drift audits find every difference by kind, the lanes repair them, a second
 * audit is clean and every read model is exact against the log. Then the version audit of a 200,000-event log, timed
 * per read model with the hub's CPU, while the hub projects it.
 */
@ExtendWith(FaultReport.Writer.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DriftFaultTest {

    private static final int EVENTS = 6_000;
    private static final int BIG_LOG = 200_000;
    private static final int DAMAGED = 25;

    private static FaultHarness harness;
    private static HubProcess hub;
    private static HubApi api;
    private static EventStore store;

    @BeforeAll
    static void startHub() throws Exception {
        harness = FaultHarness.open(DriftFaultTest.class);
        hub = FaultHarness.build(harness.hub()
                .property("projhub.projection.poll-interval", "200ms")
                .property("projhub.audit.interval", "0s")
                .property("projhub.monitor.alerts.evaluation-interval", "1s"));
        long begin = System.nanoTime();
        hub.start(Duration.ofSeconds(120));
        FaultReport.of(DriftFaultTest.class).title("stores changed behind the hub's back while commands flow; the "
                        + "version audit of a 200,000-event log")
                .figure("hub start", FaultReport.seconds(System.nanoTime() - begin));
        api = hub.api();
        store = harness.stores().eventStore();
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

    @Test
    @Order(1)
    void everyStoreChangedBehindTheHubsBackIsFoundRepairedAndExactAgainstTheLog() throws Exception {
        FaultReport report = FaultReport.of(DriftFaultTest.class);
        // Two workloads of their own streams: the first projected, then damaged; the second written during the audits.
        String prefix = FaultHarness.prefix("d1");
        String flowing = FaultHarness.prefix("d1w");
        int half = EVENTS / 2;
        List<Append> appends = new OrderWorkload(prefix, 17).generate(half);
        List<Append> later = new OrderWorkload(flowing, 19).generate(EVENTS - half);
        OrderWorkload.appendAll(store, appends, 2);
        FaultHarness.awaitCaughtUp(api, harness.logHead(), Duration.ofMinutes(3));

        List<String> orders = appends.stream().map(Append::streamId)
                .filter(id -> id.contains("order")).distinct().toList();
        assertThat(orders.size()).isGreaterThan(4 * DAMAGED);
        BenchStores stores = harness.stores();
        List<String> damage = new ArrayList<>();

        // Elasticsearch: documents deleted (as by a lifecycle policy), one field changed.
        ElasticsearchDefinedReadModel search = (ElasticsearchDefinedReadModel) defined("order-search");
        for (String order : orders.subList(0, DAMAGED)) {
            stores.elasticsearch().delete(d -> d.index(search.concreteIndex()).id(order));
        }
        stores.elasticsearch().update(u -> u.index(search.concreteIndex()).id(orders.get(DAMAGED))
                .doc(Map.of("status", "LOST")), Map.class);
        stores.elasticsearch().indices().refresh(r -> r.index(search.concreteIndex()));
        damage.add("order-search: " + DAMAGED + " documents deleted, the status of 1 changed");

        // Redis: order hashes deleted (as by an eviction or a FLUSH of some keys), a counter changed.
        RedisDefinedReadModel stats = (RedisDefinedReadModel) defined("order-stats");
        for (String order : orders.subList(DAMAGED, 2 * DAMAGED)) {
            stores.redis().del(stats.documentKey(order));
        }
        stores.redis().incrBy(stats.keyPrefix() + "counter:created", 7);
        damage.add("order-stats: " + DAMAGED + " order hashes deleted, the counter created raised by 7");

        // Neo4j: order nodes deleted with their relationships, and relationships of other orders.
        Neo4jDefinedReadModel graph = (Neo4jDefinedReadModel) defined("order-graph");
        try (var session = stores.neo4j().session()) {
            session.run("UNWIND $keys AS k MATCH (o:Order {projhub_rm: $rm, key: k}) DETACH DELETE o",
                    Map.of("rm", graph.marker(), "keys", orders.subList(0, 10))).consume();
            session.run("UNWIND $keys AS k MATCH (:Order {projhub_rm: $rm, key: k})-[r:CONTAINS]->() DELETE r",
                    Map.of("rm", graph.marker(), "keys", orders.subList(2 * DAMAGED, 2 * DAMAGED + 10))).consume();
        }
        damage.add("order-graph: 10 order nodes deleted (DETACH), the CONTAINS relationships of 10 others deleted");

        // InfluxDB: every point of cancelled orders dropped.
        InfluxDefinedReadModel lifecycle = (InfluxDefinedReadModel) defined("order-lifecycle");
        stores.influx().getInfluxQLQueryApi().queryJSON(new InfluxQLQuery("DELETE FROM \"" + lifecycle.measurement()
                + "\" WHERE \"status\" = 'CANCELLED'", stores.endpoints().influxBucket()));
        damage.add("order-lifecycle: the points of every cancellation dropped");

        // PostgreSQL: rows deleted and one updated.
        JdbcDefinedReadModel details = (JdbcDefinedReadModel) defined("order-details");
        String table = BenchStores.RELATIONAL_SCHEMA + "." + details.tableName();
        try (Connection c = stores.dataSource().getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("delete from " + table + " where key = any(?)")) {
                ps.setArray(1, c.createArrayOf("text", orders.subList(3 * DAMAGED, 4 * DAMAGED).toArray()));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("update " + table + " set status = 'LOST' where key = ?")) {
                ps.setString(1, orders.get(4 * DAMAGED));
                ps.executeUpdate();
            }
        }
        damage.add("order-details: " + DAMAGED + " rows deleted, the status of 1 changed");
        report.text("Damage done behind the hub's back, once the first " + half + " events were projected (the other "
                + (EVENTS - half) + ", of other streams, are written during the first audits):\n\n- "
                + String.join("\n- ", damage));

        // The audits run while the rest of the commands flow.
        PacedWriter writer = new PacedWriter(store, later, 100, 2).start();
        List<List<Object>> found = new ArrayList<>();
        Map<String, JsonNode> first = new LinkedHashMap<>();
        for (String readModel : ReadModelCounts.READ_MODELS) {
            JsonNode audit = audit(readModel, 100_000);
            first.put(readModel, audit);
            found.add(row(readModel, audit, writer.isRunning()));
        }
        writer.join(5, TimeUnit.MINUTES);
        FaultHarness.awaitCaughtUp(api, harness.logHead(), Duration.ofMinutes(3));
        List<List<Object>> after = new ArrayList<>();
        Map<String, JsonNode> second = new LinkedHashMap<>();
        for (String readModel : ReadModelCounts.READ_MODELS) {
            JsonNode audit = audit(readModel, 100_000);
            second.put(readModel, audit);
            after.add(row(readModel, audit, false));
        }
        // Every order of the namespace (both workloads), in each store, and Redis's counters, against the log.
        ReadModelCounts counts = ReadModelCounts.measure(harness, "", true);
        List<String> inexact = counts.mismatches();
        List<String> header = List.of("read model", "state", "streams checked", "documents compared",
                "missing", "stale", "extra", "parked", "content", "repaired", "not repaired", "duration",
                "commands flowing");
        report.text("First audit of each read model (content: every stream), while the writer appends the other "
                + (EVENTS - half) + " events at 100/s:").table(header, found);
        report.text("Second audit of each, after the writer finished and every lane reached the head:")
                .table(header, after);
        report.text("Counts at the end (orders created / shipped / cancelled), from each store:")
                .table(ReadModelCounts.HEADER, counts.rows())
                .figure("read models that differ from the log after the repairs",
                        inexact.isEmpty() ? "none" : String.join("; ", inexact));
        report.text("What the first audits listed (up to 3 per read model):").table(List.of("read model", "kind",
                "stream", "what the log says", "what the store held", "repaired"), examples(first));

        assertThat(count(first.get("order-search"), "missing")).isEqualTo(DAMAGED);
        assertThat(count(first.get("order-search"), "content")).isEqualTo(1);
        assertThat(count(first.get("order-stats"), "content")).isEqualTo(DAMAGED + 1);
        assertThat(count(first.get("order-graph"), "content")).isGreaterThanOrEqualTo(20);
        assertThat(count(first.get("order-lifecycle"), "content")).as("a dropped point per cancellation")
                .isPositive();
        assertThat(count(first.get("order-details"), "content")).isEqualTo(DAMAGED + 1);
        for (String readModel : ReadModelCounts.READ_MODELS) {
            assertThat(first.get(readModel).path("unrepaired").asLong()).as(readModel).isZero();
            assertThat(second.get(readModel).path("clean").asBoolean()).as(readModel + ": " + second.get(readModel))
                    .isTrue();
        }
        assertThat(inexact).as("read models that differ from the log").isEmpty();
    }

    @Test
    @Order(2)
    void theVersionAuditOfA200kEventLogWhileTheHubProjectsIt() throws Exception {
        FaultReport report = FaultReport.of(DriftFaultTest.class);
        String prefix = FaultHarness.prefix("d2");
        List<Append> appends = new OrderWorkload(prefix, 23).generate(BIG_LOG);
        OrderWorkload.AppendRun appended = OrderWorkload.appendAll(store, appends, 4);
        LogPosition head = harness.logHead();
        long lagAtStart = 0;
        for (JsonNode lane : api.lanes().values()) {
            lagAtStart = Math.max(lagAtStart, lane.path("lagEvents").asLong());
        }
        List<List<Object>> rows = new ArrayList<>();
        for (String readModel : ReadModelCounts.READ_MODELS) {
            Optional<Duration> cpuBefore = hubCpu();
            long begin = System.nanoTime();
            JsonNode audit = audit(readModel, 0);
            long nanos = System.nanoTime() - begin;
            Optional<Duration> cpuAfter = hubCpu();
            String cpu = cpuBefore.isPresent() && cpuAfter.isPresent()
                    ? String.format(java.util.Locale.ROOT, "%.2f cores (hub, projecting at the same time)",
                    cpuAfter.get().minus(cpuBefore.get()).toNanos() / (double) nanos)
                    : "unknown";
            rows.add(List.of(readModel, audit.path("streamsChecked").asLong(), audit.path("durationSeconds").asDouble()
                    + " s", cpu, audit.path("clean").asBoolean(), lagOf(readModel)));
            assertThat(audit.path("state").asString()).as(audit.toString()).isEqualTo("DONE");
            assertThat(audit.path("durationSeconds").asDouble()).as(readModel).isLessThan(120);
        }
        FaultHarness.awaitCaughtUp(api, head, Duration.ofMinutes(10));
        report.figure("log appended for the version audit", BIG_LOG + " events in "
                        + FaultReport.seconds(appended.nanos()) + " (" + Math.round(appended.eventsPerSecond())
                        + " events/s, 4 writers)")
                .figure("largest lane lag when the audits started", lagAtStart + " events")
                .text("Version audit of each read model (every stream it handles against its store's version "
                        + "records, pages of 1,000 streams; no content sample), one after the other while the lanes "
                        + "project the log; the hub's CPU is all of its threads, projection included:")
                .table(List.of("read model", "streams checked", "duration", "hub CPU during the audit", "clean",
                        "lane lag after (events)"), rows);
    }

    private static Optional<Duration> hubCpu() {
        return ProcessHandle.of(hub.pid()).flatMap(p -> p.info().totalCpuDuration());
    }

    private static long lagOf(String readModel) {
        JsonNode lane = api.lanes().get(readModel);
        return lane == null ? -1 : lane.path("lagEvents").asLong();
    }

    private static io.projhub.definitions.DefinedReadModel defined(String name) throws Exception {
        return harness.stores().definedReadModels(List.of(name)).get(0);
    }

    private static JsonNode audit(String readModel, int sample) throws Exception {
        HubApi.Response started = api.adminPost("/api/admin/read-models/" + readModel + "/audit",
                sample == 0 ? "{}" : "{\"content\": true, \"sample\": " + sample + "}");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        long id = started.json().path("id").asLong();
        JsonNode[] last = new JsonNode[1];
        FaultHarness.awaitTrue("audit " + id + " of " + readModel, Duration.ofMinutes(10), () -> {
            last[0] = api.get("/api/audits/" + id).json();
            return !last[0].path("state").asString().equals("RUNNING");
        });
        return last[0];
    }

    private static long count(JsonNode audit, String kind) {
        return audit.path("counts").path(kind).asLong();
    }

    private static List<Object> row(String readModel, JsonNode audit, boolean writing) {
        return List.of(readModel, audit.path("state").asString(), audit.path("streamsChecked").asLong(),
                audit.path("contentChecked").asLong(), count(audit, "missing"), count(audit, "stale"),
                count(audit, "extra"), count(audit, "parked"), count(audit, "content"),
                audit.path("repaired").asLong(), audit.path("unrepaired").asLong(),
                audit.path("durationSeconds").asDouble() + " s", writing);
    }

    private static List<List<Object>> examples(Map<String, JsonNode> audits) {
        List<List<Object>> rows = new ArrayList<>();
        audits.forEach((readModel, audit) -> {
            int n = 0;
            for (JsonNode d : audit.path("differences")) {
                if (n++ == 3) {
                    break;
                }
                String detail = d.path("detail").asString("");
                rows.add(List.of(readModel, d.path("kind").asString(), d.path("streamId").asString("(a total)"),
                        d.path("logVersion").isNull() ? "–" : "version " + d.path("logVersion").asLong(),
                        detail.isEmpty() ? "version " + d.path("storeVersion").asLong()
                                : detail.length() > 120 ? detail.substring(0, 120) + "…" : detail,
                        d.path("repaired").asBoolean()));
            }
        });
        return rows;
    }
}
