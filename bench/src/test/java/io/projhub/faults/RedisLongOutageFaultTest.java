package io.projhub.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.projhub.bench.HubApi;
import io.projhub.bench.HubProcess;
import io.projhub.core.eventstore.LogPosition;
import tools.jackson.databind.JsonNode;

/**
 * Issue 14, part 2: an outage is one alert and bounded memory. Redis really stopped for 60 s while commands arrive
 * at 100/s through the REST API of a real hub (-Xmx256m): at most 2 alerts firing that name Redis (its lane alert;
 * no alert per written stream), no other read model lagging, the hub's heap under its limit throughout, every read
 * model converged within 30 s of Redis coming back, all alerts resolved, every read model exact.
 */
@ExtendWith(FaultReport.Writer.class)
class RedisLongOutageFaultTest {

    private static final Duration OUTAGE = Duration.ofSeconds(60);
    private static final int WRITERS = 8;
    private static final double PACE_EACH = 12.5; // commands per second per writer: 100/s together
    private static final List<String> OTHERS = List.of("order-details", "order-search", "order-graph", "order-lifecycle");

    private static FaultHarness harness;
    private static HubProcess hub;
    private static HubApi api;
    private static String prefix;
    private static final List<CommandWriter> writers = new ArrayList<>();

    @BeforeAll
    static void startHub() throws Exception {
        harness = FaultHarness.open(RedisLongOutageFaultTest.class);
        hub = FaultHarness.build(FaultHarness.quickMonitor(harness.hub()));
        hub.start(Duration.ofSeconds(120));
        api = hub.api();
        prefix = FaultHarness.prefix("long");
        for (int w = 0; w < WRITERS; w++) {
            writers.add(new CommandWriter(api, prefix + "w" + w + "-", PACE_EACH).start(5));
        }
    }

    @AfterAll
    static void stopHub() throws Exception {
        try {
            for (CommandWriter writer : writers) {
                writer.stop();
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
    void redisDownForAMinuteAtAHundredCommandsASecondIsOneAlertBoundedMemoryAndConvergesWithinThirtySeconds()
            throws Exception {
        FaultReport report = FaultReport.of(RedisLongOutageFaultTest.class)
                .title("Redis stopped for 60 s while commands arrive at 100/s (issue 14: an outage is one alert)");
        // The other read models' lag under this load before the outage, to compare with their lag during it.
        Map<String, Double> baselineLagSeconds = new HashMap<>();
        Map<String, Long> appliedAtBaseline = applied();
        long baselineStart = System.nanoTime();
        long baselineEnd = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < baselineEnd) {
            Map<String, JsonNode> lanes = api.lanes();
            for (String other : OTHERS) {
                baselineLagSeconds.merge(other, lanes.get(other).path("lagSeconds").asDouble(), Math::max);
            }
            Thread.sleep(500);
        }
        long commandsBefore = commands();
        Map<String, Long> appliedAtOutage = applied();
        long baselineNanos = System.nanoTime() - baselineStart;
        Instant phaseStart = Instant.now();
        int maxRedisAlerts = 0;
        Set<String> redisAlertKinds = new LinkedHashSet<>();
        Map<String, Double> maxOtherLagSeconds = new HashMap<>();
        Map<String, Long> maxOtherLagEvents = new HashMap<>();
        long maxHeap = 0;
        long heapLimit = heapMax();
        long maxPending = 0;
        long outageStart = System.nanoTime();
        try {
            harness.outages().stop("redis");
            long end = System.nanoTime() + OUTAGE.toNanos();
            while (System.nanoTime() < end) {
                List<JsonNode> firingRedis = FaultHarness.firingAlerts(api).stream()
                        .filter(a -> "order-stats".equals(a.path("readModel").asString())).toList();
                maxRedisAlerts = Math.max(maxRedisAlerts, firingRedis.size());
                firingRedis.forEach(a -> redisAlertKinds.add(a.path("kind").asString()));
                Map<String, JsonNode> lanes = api.lanes();
                for (String other : OTHERS) {
                    maxOtherLagSeconds.merge(other, lanes.get(other).path("lagSeconds").asDouble(), Math::max);
                    maxOtherLagEvents.merge(other, lanes.get(other).path("lagEvents").asLong(), Math::max);
                }
                maxHeap = Math.max(maxHeap, heapUsed());
                maxPending = Math.max(maxPending, api.get("/api/consistency").json().path("pendingVerifications").asLong());
                assertThat(hub.isAlive()).as("hub alive").isTrue();
                Thread.sleep(500);
            }
        } finally {
            harness.outages().start("redis");
        }
        Map<String, Long> appliedAfterOutage = applied();
        long outageNanos = System.nanoTime() - outageStart;
        Map<String, String> applyRates = new java.util.TreeMap<>();
        Map<String, Double> rateRatios = new HashMap<>();
        for (String other : OTHERS) {
            double before = (appliedAtOutage.get(other) - appliedAtBaseline.get(other)) / (baselineNanos / 1e9);
            double during = (appliedAfterOutage.get(other) - appliedAtOutage.get(other)) / (outageNanos / 1e9);
            applyRates.put(other, String.format("%.0f → %.0f events/s", before, during));
            rateRatios.put(other, before == 0 ? 1.0 : during / before);
        }
        long commandsDuring = commands() - commandsBefore;
        double rate = commandsDuring / ((System.nanoTime() - outageStart) / 1e9);

        // Converges: every lane reaches the head as it was when Redis came back.
        LogPosition headAtStart = harness.logHead();
        long redisLagAtStart = api.lanes().get("order-stats").path("lagEvents").asLong();
        long converged = FaultHarness.awaitCaughtUp(api, headAtStart, Duration.ofMinutes(3));
        long resolved = FaultHarness.awaitTrue("alerts for redis resolved", Duration.ofMinutes(3),
                () -> FaultHarness.firingAlerts(api).stream().noneMatch(a -> "order-stats".equals(a.path("readModel").asString())));
        List<JsonNode> fired = FaultHarness.alertsSince(api, phaseStart);
        long streamAlerts = fired.stream().filter(a -> a.path("kind").asString().equals("STREAM_BEHIND")).count();

        for (CommandWriter writer : writers) {
            writer.pause();
        }
        FaultHarness.awaitCaughtUp(api, harness.logHead(), Duration.ofMinutes(2));
        ReadModelCounts counts = ReadModelCounts.measure(harness, prefix);

        report.figure("command rate during the outage", String.format("%.0f commands/s (%d commands, %d writers)",
                        rate, commandsDuring, WRITERS))
                .figure("alerts firing that name redis, at most at once", maxRedisAlerts + " " + redisAlertKinds)
                .figure("alerts fired in the phase", fired.stream().map(a -> a.path("key").asString()).toList())
                .figure("per-stream (STREAM_BEHIND) alerts", streamAlerts)
                .figure("other read models' max lag in the 15 s before the outage, same load (s)", baselineLagSeconds)
                .figure("other read models' max lag while Redis was down (s)", maxOtherLagSeconds)
                .figure("other read models' max lag while Redis was down (events)", maxOtherLagEvents)
                .figure("other read models' apply rate, before → during the outage", applyRates)
                .figure("pending verifications, at most (bounded by projhub.monitor.verification.max-tracked)", maxPending)
                .figure("verifications dropped (over the bound)", api.get("/api/consistency").json()
                        .path("droppedVerifications").asLong())
                .figure("hub heap used, at most", String.format("%.0f MB of %.0f MB", maxHeap / 1e6, heapLimit / 1e6))
                .figure("redis lag when it came back (events)", redisLagAtStart)
                .figure("every read model at the head after Redis was up", FaultReport.seconds(converged))
                .figure("all alerts resolved after Redis was up", FaultReport.seconds(resolved))
                .figure("counts (orders / shipped / cancelled)", counts.rows());

        assertThat(maxRedisAlerts).as("alerts firing that name redis").isBetween(1, 2);
        assertThat(streamAlerts).as("per-stream alerts for an outage").isZero();
        // "No other read model lagging": the outage does not slow the others down. A read model that keeps up with this
        // load keeps up during the outage (lag under 5 s); one that cannot keep up with it anyway (Neo4j at 100
        // commands/s here, see bench/RESULTS.md) applies at the same rate as before the outage.
        for (String other : OTHERS) {
            assertThat(rateRatios.get(other)).as(other + "'s apply rate during the outage / before").isGreaterThan(0.8);
            if (baselineLagSeconds.getOrDefault(other, 0.0) < 2.0) {
                assertThat(maxOtherLagSeconds.get(other)).as(other + "'s lag while Redis was down (s)").isLessThan(5.0);
            }
        }
        assertThat(maxHeap).as("hub heap").isLessThan(heapLimit);
        assertThat(converged).as("converged within 30 s of Redis coming back").isLessThan(Duration.ofSeconds(30).toNanos());
        assertThat(counts.mismatches()).as("read models that differ from the log").isEmpty();
        assertThat(api.get("/api/dead-letters?limit=10").json().size()).as("dead letters").isZero();
    }

    private static Map<String, Long> applied() {
        Map<String, Long> applied = new HashMap<>();
        api.lanes().forEach((name, lane) -> applied.put(name, lane.path("appliedEvents").asLong()));
        return applied;
    }

    private static long commands() {
        return writers.stream().mapToLong(w -> w.commands.get()).sum();
    }

    private static long heapUsed() {
        return (long) api.get("/actuator/metrics/jvm.memory.used?tag=area:heap").json().path("measurements").path(0)
                .path("value").asDouble();
    }

    private static long heapMax() {
        return (long) api.get("/actuator/metrics/jvm.memory.max?tag=area:heap").json().path("measurements").path(0)
                .path("value").asDouble();
    }
}
