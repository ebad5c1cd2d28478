package io.projhub.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import io.projhub.bench.HubApi;
import io.projhub.bench.HubProcess;
import io.projhub.core.eventstore.LogPosition;
import tools.jackson.databind.JsonNode;

/**
 * Each read-model store in turn (Redis, Elasticsearch, Neo4j, InfluxDB) really stopped for 30 s while commands stream
 * through a real hub: the other four lanes stay current, the stopped lane retries, the consistency monitor raises the
 * lane's alert (LANE_STALLED; the writes it has not reached are lag, not per-stream misses); the store back, the lane
 * converges, the alerts resolve by themselves
 * and every read model holds exactly what the log holds (nothing lost, nothing counted twice).
 */
@ExtendWith(FaultReport.Writer.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StoreOutageFaultTest {

    private static final Duration OUTAGE = Duration.ofSeconds(30);
    private static final double PACE = 8; // commands per second
    private static final List<String> LANES = ReadModelCounts.READ_MODELS;

    /** A query each read model answers (with a 503 while its store is down). */
    private static final Map<String, String> QUERY = Map.of(
            "order-stats", "/api/stats/orders",
            "order-search", "/api/orders/search?size=1",
            "order-graph", "/api/customers/%sc-0/orders-graph?limit=1",
            "order-lifecycle", "/api/metrics/order-lifecycle?range=90d",
            "order-details", "/api/orders/%so-0");

    /** The order read model of each store stopped here. */
    private static final Map<String, String> LANE_OF = Map.of("redis", "order-stats", "elasticsearch", "order-search",
            "neo4j", "order-graph", "influxdb", "order-lifecycle");

    private static FaultHarness harness;
    private static HubProcess hub;
    private static HubApi api;
    private static CommandWriter writer;
    private static String prefix;
    private static final List<List<Object>> outages = new ArrayList<>();
    private static final List<List<Object>> counts = new ArrayList<>();
    private final FaultReport report = FaultReport.of(StoreOutageFaultTest.class)
            .title("each read-model store stopped for 30 s during a command stream");

    @BeforeAll
    static void startHub() throws Exception {
        harness = FaultHarness.open(StoreOutageFaultTest.class);
        // A quick monitor: a stream a read model has not applied raises its alert after ~7 s of checks.
        hub = FaultHarness.build(FaultHarness.quickMonitor(harness.hub()));
        long begin = System.nanoTime();
        hub.start(Duration.ofSeconds(120));
        FaultReport.of(StoreOutageFaultTest.class)
                .figure("hub start", FaultReport.seconds(System.nanoTime() - begin))
                .figure("command stream", (long) PACE + " commands/s through the REST API (orders; ships, cancels)")
                .figure("monitor", "verification 1 s delay, 500 ms → 2 s backoff, 4 attempts; alerts evaluated every 1 s, "
                        + "re-checked every 2 s");
        api = hub.api();
        prefix = FaultHarness.prefix("out");
        writer = new CommandWriter(api, prefix, PACE).start(20);
    }

    @AfterAll
    static void stopHub() throws Exception {
        try {
            FaultReport report = FaultReport.of(StoreOutageFaultTest.class);
            report.text("Per outage (times from `deploy/stores.sh down <store>` being called, unless said otherwise; "
                    + "the store then stays down for " + OUTAGE.toSeconds() + " s):")
                    .table(List.of("store", "stop took", "lane RETRYING after", "first alert for it after",
                            "other lanes current (caught up to the head) after", "…and at the end of the outage, within",
                            "other lanes' max lag while down",
                            "its query while down", "others' queries while down", "store start took (stores.sh up, until ready)",
                            "its lag then (events)", "lane at the head, after the store was up", "alerts fired for it", "all resolved after the lane was at the head",
                            "alerts for other read models"), outages);
            report.text("Counts after each outage (writer paused, every lane at the head): orders / shipped / cancelled")
                    .table(java.util.stream.Stream.concat(java.util.stream.Stream.of("after"),
                            ReadModelCounts.SOURCES.stream()).toList(), counts);
            if (writer != null) {
                writer.stop();
                report.figure("commands sent", writer.commands.get()).figure("command answers by status",
                        writer.statuses());
            }
        } finally {
            if (hub != null) {
                hub.stop();
            }
            if (harness != null) {
                harness.close();
            }
        }
    }

    @Test
    @Order(1)
    void redis() throws Exception {
        outage("redis");
    }

    @Test
    @Order(2)
    void elasticsearch() throws Exception {
        outage("elasticsearch");
    }

    @Test
    @Order(3)
    void neo4j() throws Exception {
        outage("neo4j");
    }

    @Test
    @Order(4)
    void influxdb() throws Exception {
        outage("influxdb");
    }

    private void outage(String store) throws Exception {
        String lane = LANE_OF.get(store);
        writer.resume();
        Thread.sleep(3000);
        Instant phaseStart = Instant.now();
        List<String> others = LANES.stream().filter(l -> !l.equals(lane)).toList();
        Map<String, Long> maxOtherLag = new HashMap<>();
        long stopNanos;
        long retrying = -1;
        long alert = -1;
        long othersCurrent = -1;
        long othersAtEnd;
        String ownQuery;
        String otherQueries;
        long startNanos;
        long downAt;
        try {
            long stopIssued = System.nanoTime();
            stopNanos = harness.outages().stop(store);
            // Times are counted from the stop command (a store shutting down already fails requests); the store stays
            // down for OUTAGE from the moment it is really down.
            downAt = stopIssued;
            long outageEnd = System.nanoTime() + OUTAGE.toNanos();

            // The other lanes keep up: once the stopped lane has been seen retrying, every other lane reaches the log
            // head as it was a moment before (sampled repeatedly while the store is down).
            LogPosition headMark = null;
            while (System.nanoTime() < outageEnd) {
                Map<String, JsonNode> lanes = api.lanes();
                long now = System.nanoTime() - downAt;
                if (retrying < 0 && lanes.get(lane).path("state").asString().equals("RETRYING")) {
                    retrying = now;
                }
                for (String other : others) {
                    maxOtherLag.merge(other, lanes.get(other).path("lagEvents").asLong(), Math::max);
                }
                // The lane alert: the writes the lane has not reached are lag, not misses (issue 14, part 2).
                if (alert < 0 && FaultHarness.firingAlerts(api).stream().anyMatch(a -> lane.equals(a.path("readModel").asString())
                        && a.path("kind").asString().equals("LANE_STALLED"))) {
                    alert = now;
                }
                if (othersCurrent < 0 && retrying >= 0) {
                    if (headMark == null) {
                        headMark = harness.logHead();
                    } else if (coversAll(lanes, others, headMark)) {
                        othersCurrent = now;
                    }
                }
                Thread.sleep(250);
            }
            // Still down: the other lanes reach the head as it is now, within a moment.
            LogPosition endMark = harness.logHead();
            othersAtEnd = FaultHarness.awaitTrue("the other lanes at the head while " + store + " is down",
                    Duration.ofSeconds(15), () -> coversAll(api.lanes(), others, endMark));
            assertThat(hub.isAlive()).as("hub alive").isTrue();
            ownQuery = queryStatus(lane);
            otherQueries = others.stream().map(o -> o + " " + queryStatus(o)).reduce((a, b) -> a + ", " + b).orElse("");
            Map<String, JsonNode> lanes = api.lanes();
            assertThat(lanes.get(lane).path("state").asString()).as(lane + " lane while its store is down")
                    .isEqualTo("RETRYING");
            for (String other : others) {
                assertThat(lanes.get(other).path("state").asString()).as(other + " lane while " + store + " is down")
                        .isIn("LIVE", "CATCHING_UP");
            }
            assertThat(retrying).as("the " + store + " lane went RETRYING").isNotNegative();
            assertThat(alert).as("an alert for " + store + " fired while it was down").isNotNegative();
            assertThat(othersCurrent).as("the other lanes stayed current while " + store + " was down").isNotNegative();
            assertThat(ownQuery).as(store + "'s query while its store is down").isEqualTo("503");
        } finally {
            startNanos = harness.outages().start(store);
        }
        long upAt = System.nanoTime();

        // Converges: every lane reaches the head of the log as it was when the store came back.
        LogPosition headAtStart = harness.logHead();
        long lagAtStart = api.lanes().get(lane).path("lagEvents").asLong();
        long converged = FaultHarness.awaitCaughtUp(api, headAtStart, Duration.ofMinutes(3));
        // The alerts for this read model resolve by themselves.
        long resolved = FaultHarness.awaitTrue("alerts for " + store + " resolved", Duration.ofMinutes(3),
                () -> FaultHarness.firingAlerts(api).stream().noneMatch(a -> lane.equals(a.path("readModel").asString())));
        List<JsonNode> phaseAlerts = FaultHarness.alertsSince(api, phaseStart);
        long fired = phaseAlerts.stream().filter(a -> lane.equals(a.path("readModel").asString())).count();
        Map<String, Long> otherAlerts = new HashMap<>();
        phaseAlerts.stream().filter(a -> !lane.equals(a.path("readModel").asString()))
                .forEach(a -> otherAlerts.merge(a.path("readModel").asString("hub") + " " + a.path("kind").asString(),
                        1L, Long::sum));
        long firingOthers = FaultHarness.firingAlerts(api).stream().filter(a -> !lane.equals(a.path("readModel").asString())).count();

        outages.add(List.of(store, FaultReport.seconds(stopNanos), FaultReport.seconds(retrying),
                FaultReport.seconds(alert), FaultReport.seconds(othersCurrent), FaultReport.millis(othersAtEnd), maxOtherLag, ownQuery, otherQueries,
                FaultReport.seconds(startNanos), lagAtStart, FaultReport.seconds(converged), fired,
                FaultReport.seconds(resolved), otherAlerts.isEmpty() ? "none" : otherAlerts));

        // Exact: writer paused, every lane at the head, each read model's counts equal the log's.
        writer.pause();
        Thread.sleep(300);
        FaultHarness.awaitCaughtUp(api, harness.logHead(), Duration.ofMinutes(2));
        ReadModelCounts measured = ReadModelCounts.measure(harness, prefix);
        List<Object> row = new ArrayList<>();
        row.add(store + " outage");
        for (String source : ReadModelCounts.SOURCES) {
            row.add(measured.of(source));
        }
        counts.add(row);
        assertThat(measured.mismatches()).as("read models that differ from the log after the " + store + " outage")
                .isEmpty();
        assertThat(measured.of("log").orders()).isPositive();
        assertThat(fired).as("alerts for " + store).isPositive();
        assertThat(firingOthers).as("alerts still firing for other read models").isZero();
        assertThat(api.get("/api/dead-letters?limit=10").json().size()).as("dead letters").isZero();
        assertThat(upAt).isPositive();
    }

    private static boolean coversAll(Map<String, JsonNode> lanes, List<String> others, LogPosition head) {
        return others.stream().allMatch(o -> FaultHarness.checkpointOf(lanes.get(o)).compareTo(head) >= 0);
    }

    private static String queryStatus(String store) {
        try {
            return Integer.toString(api.get(QUERY.get(store).formatted(prefix)).status());
        } catch (RuntimeException e) {
            return "no answer";
        }
    }
}
