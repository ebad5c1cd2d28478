package io.projhub.bench;

import java.lang.management.ManagementFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.neo4j.driver.Session;

import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.Projector;
import tools.jackson.databind.JsonNode;

/**
 * The benchmark of issue 8, in one run against the local stores and a real hub process: the stores' own bulk
 * ingest (the limit), append throughput, projection throughput per read model and for all five, catch-up through
 * the rebuild API, end-to-end latency at a steady rate, hub heap and RSS, and the seed's one-event-at-a-time
 * fan-out (the floor). Prints as it goes and writes {@code bench/RESULTS.md}. Run by {@code deploy/bench.sh}.
 *
 * <p>Options ({@code --name=value}): {@code events} (200000), {@code floor-events} (3000), {@code api-commands}
 * (20000), {@code rate} (1000 events/s), {@code latency-seconds} (30), {@code out} (bench/RESULTS.md).
 */
public final class BenchMain {

    /** The order read models of the definition files, one per store. */
    private static final List<String> READ_MODELS = List.of("order-details", "order-search", "order-stats",
            "order-graph", "order-lifecycle");

    private final Path root;
    private final Map<String, String> options;
    private final BenchStores stores;
    private final Results results = new Results();
    private final Map<String, Long> appliedBeforeRebuild = new LinkedHashMap<>();

    private BenchMain(Path root, Map<String, String> options, BenchStores stores) {
        this.root = root;
        this.options = options;
        this.stores = stores;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("options look like --events=200000, not " + arg);
            }
            options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        Path root = Path.of(System.getProperty("projhub.root", ".")).toAbsolutePath().normalize();
        try (BenchStores stores = new BenchStores()) {
            new BenchMain(root, options, stores).run();
        }
    }

    private int option(String name, int fallback) {
        return Integer.parseInt(options.getOrDefault(name, Integer.toString(fallback)));
    }

    private void run() throws Exception {
        int events = option("events", 200_000);
        results.started = Instant.now();
        results.environment = environment();
        if (Boolean.parseBoolean(options.getOrDefault("definitions-only", "false"))) {
            say("Projection Hub benchmark, the definitions' read models only; " + results.environment.get("machine"));
            Definitions measured = definitions(option("account-events", 100_000));
            Path out = root.resolve(options.getOrDefault("out", "bench/DEFINITIONS.md"));
            Files.writeString(out, measured.markdown(results.environment, results.started, Instant.now()));
            say("written to " + out);
            return;
        }
        if (options.containsKey("latency-only")) {
            latencyOnly(option("rate", 1000), option("latency-seconds", 30),
                    options.containsKey("profile") ? root.resolve(options.get("profile")) : null);
            return;
        }
        if (options.containsKey("api-only")) {
            apiOnly(option("api-commands", 20_000),
                    options.containsKey("profile") ? root.resolve(options.get("profile")) : null);
            return;
        }
        if (options.containsKey("projection-only")) {
            projectionOnly(events, List.of(options.get("projection-only").split(",")),
                    options.containsKey("profile") ? root.resolve(options.get("profile")) : null);
            return;
        }
        say("Projection Hub benchmark: " + events + " events; " + results.environment.get("machine"));

        stores.wipe();
        OrderWorkload workload = new OrderWorkload("b-", 42);
        List<OrderWorkload.Append> appends = workload.generate(events);
        results.totals = OrderWorkload.totals(appends);

        say("\n[1/8] the limit: each store's own bulk API, alone then all five at once");
        results.limit = new StoreLimit(stores).measure(appends);
        results.limit.alone().forEach((store, rate) -> say("  %-13s alone %,9.0f events/s   together %,9.0f",
                store, rate, results.limit.together().get(store)));
        say("  all five at once: %,.0f events/s", results.limit.allFive());
        say("    CPU: %s", CpuAccount.format(results.limit.cpuTogether()));

        say("\n[2/8] append through the command API (hub running, projection off)");
        results.apiAppend = apiAppend(option("api-commands", 20_000), null);
        say("  %,.0f commands/s (%s)", results.apiAppend.rate, results.apiAppend.detail);

        say("\n[3/8] append through the event store directly (%d writers, as many as the command API's clients; one "
                + "event per append)", API_CLIENTS);
        stores.wipe();
        EventStore eventStore = stores.eventStore();
        OrderWorkload.AppendRun fill = OrderWorkload.appendAll(eventStore, appends, API_CLIENTS);
        results.directAppend = fill.eventsPerSecond();
        LogPosition head = logHead();
        say("  %,d events in %.1f s: %,.0f events/s", fill.events(), fill.nanos() / 1e9, fill.eventsPerSecond());

        say("\n[4/8] projection throughput, one read model at a time, from empty over the whole log");
        for (String model : READ_MODELS) {
            resetReadModels();
            HubProcess hub = hub(model).build();
            try {
                hub.start(Duration.ofMinutes(2));
                CpuAccount.Snapshot before = CpuAccount.snapshot();
                Progress p = waitCaughtUp(hub, List.of(model), head, "  " + model);
                results.perModel.put(model, p.rate());
                results.cpuPerModel.put(model, CpuAccount.between(before, CpuAccount.snapshot()));
                say("    CPU: %s", CpuAccount.format(results.cpuPerModel.get(model)));
            } finally {
                hub.stop();
            }
        }

        say("\n[5/8] projection throughput, all five together, from empty over the whole log");
        resetReadModels();
        HubProcess hub = hub(null).build();
        try {
            hub.start(Duration.ofMinutes(2));
            CpuAccount.Snapshot before = CpuAccount.snapshot();
            Progress all = waitCaughtUp(hub, READ_MODELS, head, "  all five");
            results.cpuAllFive = CpuAccount.between(before, CpuAccount.snapshot());
            say("    CPU: %s", CpuAccount.format(results.cpuAllFive));
            results.allFive = all.rate();
            results.perModelTogether.putAll(all.perLane());

            say("\n[6/8] catch-up: rebuild all five from 0 through the admin API while the hub runs");
            Map<String, JsonNode> beforeRebuild = hub.api().lanes();
            for (String model : READ_MODELS) {
                appliedBeforeRebuild.put(model, beforeRebuild.get(model).path("appliedEvents").asLong());
            }
            long rebuildStart = System.nanoTime();
            List<String> building = startRebuilds(hub, READ_MODELS);
            Progress rebuild = waitCaughtUp(hub, building, head, "  rebuild", rebuildStart);
            results.catchUp = rebuild.rate();
            waitSwitched(hub, building);

            say("\n[7/8] end-to-end latency at a steady %d events/s for %d s (append → visible in all five)",
                    option("rate", 1000), option("latency-seconds", 30));
            results.latency = latency(hub, eventStore, "lat-", option("rate", 1000), option("latency-seconds", 30));
            sayLatency(results.latency);
            say("  hub heap used max %.0f MB (committed %.0f MB, -Xmx256m), RSS max %.0f MB",
                    results.latency.heapUsedMaxMb, results.latency.heapCommittedMb, results.latency.rssMaxMb);
            say("  … and at %d events/s", 2 * option("rate", 1000));
            results.latencyDouble = latency(hub, eventStore, "lat2-", 2 * option("rate", 1000),
                    option("latency-seconds", 30));
            sayLatency(results.latencyDouble);

            say("\n[7b/8] search: %d queries through the hub's API and the same query sent to Elasticsearch "
                    + "directly, %d clients each", option("search-queries", 2000), API_CLIENTS);
            results.search = search(hub, option("search-queries", 2000));
            say("  API %,.0f queries/s (p50 %.1f ms, p99 %.1f ms); Elasticsearch directly %,.0f queries/s (p50 %.1f ms, "
                    + "p99 %.1f ms): %.2f ×", results.search.api().rate(), results.search.api().p50(),
                    results.search.api().p99(), results.search.direct().rate(), results.search.direct().p50(),
                    results.search.direct().p99(), results.search.api().rate() / results.search.direct().rate());
        } finally {
            hub.stop();
        }

        say("\n[8/8] the floor: the seed's approach (one event at a time, each store awaited in turn)");
        resetReadModels();
        results.floorEvents = option("floor-events", 3000);
        results.floor = floor(eventStore, results.floorEvents);
        say("  %,.0f events/s over %,d events", results.floor, option("floor-events", 3000));

        say("\n[9/9] the generic path: the five account read models of read-models/ (definition files)");
        results.definitions = definitions(option("account-events", 100_000));

        results.finished = Instant.now();
        String markdown = results.markdown(events);
        Path out = root.resolve(options.getOrDefault("out", "bench/RESULTS.md"));
        Files.writeString(out, markdown);
        say("\n" + results.summary());
        say("written to " + out);
    }

    // ------------------------------------------------------------------------------------------- definitions

    /** The account read models' figures: each definition alone, then all five together, rebuilt from 0. */
    record Definitions(int events, Map<String, Double> alone, double together, Map<String, Double> perLaneTogether,
                       Map<String, Double> cpuTogether) {

        String markdown(Map<String, String> environment, Instant started, Instant finished) {
            StringBuilder md = new StringBuilder("# Benchmark: the read models of definition files\n\n");
            md.append("Produced by `deploy/bench.sh --definitions-only=true` (").append(started).append(" → ")
                    .append(finished).append("). Every figure below was measured in this one run.\n\n| | |\n|---|---|\n");
            environment.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
            md.append("\n").append(section());
            return md.toString();
        }

        String section() {
            StringBuilder md = new StringBuilder();
            md.append(String.format(Locale.ROOT, "%,d bank-account events (one account per 20 events, deposits and "
                    + "withdrawals in three currencies) appended directly, then projected by the five definitions "
                    + "of `read-models/` (and no other read model), each rebuilt from 0 through the "
                    + "admin API.\n\n| measure | result |\n|---|---:|\n", events));
            alone.forEach((name, rate) -> md.append(String.format(Locale.ROOT,
                    "| %s alone (hub with only that definition) | %,.0f events/s |\n", name, rate)));
            md.append(String.format(Locale.ROOT, "| **all five definitions together** | **%,.0f events/s** |\n",
                    together));
            perLaneTogether.forEach((name, rate) -> md.append(String.format(Locale.ROOT,
                    "| … of which the %s lane | %,.0f events/s |\n", name, rate)));
            md.append("\nCPU while the five ran together: ").append(CpuAccount.format(cpuTogether)).append("\n");
            return md.toString();
        }
    }

    private static final List<String> DEFINITIONS = List.of("account-ledger", "account-search", "account-balances",
            "account-graph", "money-flow");

    private Definitions definitions(int events) throws Exception {
        stores.wipe();
        EventStore eventStore = stores.eventStore();
        List<OrderWorkload.Append> appends = new AccountWorkload("a-", 7).generate(events);
        OrderWorkload.appendAll(eventStore, appends, 8);
        LogPosition head = logHead();
        Map<String, Double> alone = new LinkedHashMap<>();
        for (String name : DEFINITIONS) {
            Path dir = Files.createTempDirectory("projhub-bench-definitions-");
            Files.copy(root.resolve("read-models").resolve(name + ".yaml"), dir.resolve(name + ".yaml"));
            Progress p = rebuildAndWait(definitionsHub(dir), List.of(name), head, "  " + name);
            alone.put(name, p.rate());
        }
        HubProcess hub = definitionsHub(root.resolve("read-models"));
        CpuAccount.Snapshot[] before = new CpuAccount.Snapshot[1];
        Progress all = rebuildAndWait(hub, DEFINITIONS, head, "  all five definitions", () ->
                before[0] = CpuAccount.snapshot());
        Map<String, Double> cpu = CpuAccount.between(before[0], CpuAccount.snapshot());
        say("    CPU: %s", CpuAccount.format(cpu));
        return new Definitions(events, alone, all.rate(), all.perLane(), cpu);
    }

    private HubProcess definitionsHub(Path dir) {
        return HubProcess.builder(root, stores.endpoints())
                .property("projhub.read-models.dir", dir.toString())
                .build();
    }

    private Progress rebuildAndWait(HubProcess hub, List<String> lanes, LogPosition head, String label)
            throws Exception {
        return rebuildAndWait(hub, lanes, head, label, () -> { });
    }

    /** Starts the hub, rebuilds {@code lanes} from 0 and waits until they are at the head; stops the hub. */
    private Progress rebuildAndWait(HubProcess hub, List<String> lanes, LogPosition head, String label,
                                    Runnable atStart) throws Exception {
        try {
            hub.start(Duration.ofMinutes(2));
            Map<String, JsonNode> before = hub.api().lanes();
            for (String lane : lanes) {
                appliedBeforeRebuild.put(lane, before.get(lane).path("appliedEvents").asLong());
            }
            atStart.run();
            long start = System.nanoTime();
            List<String> building = startRebuilds(hub, lanes);
            Progress progress = waitCaughtUp(hub, building, head, label, start);
            waitSwitched(hub, building);
            return progress;
        } finally {
            hub.stop();
        }
    }

    /**
     * Waits until each build has replaced its live read model: a caught-up build switches only after a clean audit of
     * it (the verified cutover), and a hub stopped before that resumes the build when it starts again.
     */
    private static void waitSwitched(HubProcess hub, List<String> building) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            HubApi.Response response = hub.api().get("/api/read-models");
            if (response.status() != 200) {
                throw new IllegalStateException("GET /api/read-models → " + response.status() + " " + response.body());
            }
            List<String> still = new ArrayList<>();
            response.json().forEach(model -> {
                if (building.contains(model.path("name").asString())) {
                    still.add(model.path("name").asString());
                }
            });
            if (still.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("builds not switched after 3 minutes: " + still);
            }
            Thread.sleep(250);
        }
    }

    /**
     * For profiling: the order log of {@code events} appended directly, then each of {@code models} projected alone
     * from empty by a hub (with a JDK Flight Recorder recording {@code <profileDir>/<model>.jfr} when given).
     * Nothing is written to RESULTS.md.
     */
    private void projectionOnly(int events, List<String> models, Path profileDir) throws Exception {
        say("Projection Hub benchmark, projection only: " + events + " events; " + results.environment.get("machine"));
        stores.wipe();
        List<OrderWorkload.Append> appends = new OrderWorkload("b-", 42).generate(events);
        EventStore eventStore = stores.eventStore();
        OrderWorkload.AppendRun fill = OrderWorkload.appendAll(eventStore, appends, 8);
        LogPosition head = logHead();
        say("  appended %,d events in %.1f s", fill.events(), fill.nanos() / 1e9);
        for (String model : models) {
            resetReadModels();
            HubProcess.Builder builder = hub(model.equals("all") ? null : model);
            recordWithJfr(builder, profileDir, model + ".jfr");
            HubProcess hub = builder.build();
            try {
                hub.start(Duration.ofMinutes(2));
                CpuAccount.Snapshot before = CpuAccount.snapshot();
                waitCaughtUp(hub, model.equals("all") ? READ_MODELS : List.of(model), head, "  " + model);
                say("    CPU: %s", CpuAccount.format(CpuAccount.between(before, CpuAccount.snapshot())));
            } finally {
                hub.stop();
            }
        }
    }

    /**
     * Asks the hub to rebuild each read model; a rebuild fills a new build beside the live one, on a lane of its own.
     *
     * @return the new builds' lanes ({@code <name>~v<version>r<generation>})
     */
    private static List<String> startRebuilds(HubProcess hub, List<String> readModels) throws Exception {
        List<String> building = new ArrayList<>();
        for (String model : readModels) {
            HubApi.Response response = hub.api().adminPost("/api/admin/read-models/" + model + "/rebuild");
            if (response.status() != 202) {
                throw new IllegalStateException("rebuild " + model + " → " + response.status() + " "
                        + response.body());
            }
            building.add(JsonMapperHolder.read(response.body()).path("lane").asString());
        }
        return building;
    }

    // ------------------------------------------------------------------------------------------------- hub runs

    /**
     * A hub on the bench stores with the order read models; {@code only} runs that one alone (null: all of them, the
     * order definitions' customer-directory too).
     */
    /** With a profile folder: the hub records a JDK Flight Recorder profile into {@code <profileDir>/<file>}. */
    private static void recordWithJfr(HubProcess.Builder builder, Path profileDir, String file) throws IOException {
        if (profileDir == null) {
            return;
        }
        Files.createDirectories(profileDir);
        List<String> jvm = new ArrayList<>(HubProcess.HUB_JVM_OPTIONS);
        jvm.add("-XX:StartFlightRecording=settings=profile,filename=" + profileDir.resolve(file).toAbsolutePath());
        builder.jvmOptions(jvm);
    }

    private HubProcess.Builder hub(String only) {
        HubProcess.Builder builder = HubProcess.builder(root, stores.endpoints())
                .definitions(BenchStores.ORDER_DEFINITIONS.stream().filter(n -> only == null || n.equals(only)).toList());
        return builder;
    }

    private void resetReadModels() throws Exception {
        for (Projector projector : stores.projectors()) {
            BenchStores.resetRetryingTransients(projector);
        }
    }

    private LogPosition logHead() throws Exception {
        try (Connection c = stores.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select tx_id::text::bigint, position from events "
                     + "order by tx_id::text::bigint desc, position desc limit 1")) {
            return rs.next() ? new LogPosition(rs.getLong(1), rs.getLong(2)) : LogPosition.START;
        }
    }

    record Progress(double rate, Map<String, Double> perLane) {
    }

    /**
     * Polls {@code /api/lanes} until every named lane's checkpoint reaches {@code head}, printing progress every
     * 2 s. The rate counts only what was applied after the first sample (hub start-up is not counted).
     */
    private Progress waitCaughtUp(HubProcess hub, List<String> lanes, LogPosition head, String label) throws Exception {
        return waitCaughtUp(hub, lanes, head, label, -1);
    }

    /**
     * @param fromZeroSince when ≥ 0, the lanes were told to start again from 0 at this instant (a rebuild): the rate
     *                      counts from then and from position 0, and a lane counts as done only once it was seen behind
     *                      (its reset runs on its own thread, a moment after the request)
     */
    private Progress waitCaughtUp(HubProcess hub, List<String> lanes, LogPosition head, String label, long fromZeroSince)
            throws Exception {
        HubApi api = hub.api();
        long firstNanos = fromZeroSince;
        long firstPosition = 0;
        java.util.Set<String> seenBehind = new java.util.HashSet<>();
        long lastPrint = 0;
        Map<String, Long> firstLane = new LinkedHashMap<>();
        Map<String, Long> doneAt = new LinkedHashMap<>();
        long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, JsonNode> status = api.lanes();
            long now = System.nanoTime();
            long min = Long.MAX_VALUE;
            for (String lane : lanes) {
                JsonNode node = status.get(lane);
                if (node == null && lane.contains("~")) {
                    // a rebuild's lane is gone once its build caught up with the live one and was switched to
                    firstLane.putIfAbsent(lane, 0L);
                    seenBehind.add(lane);
                    doneAt.putIfAbsent(lane, now);
                    min = Math.min(min, head.position());
                    continue;
                }
                if (node == null) {
                    throw new IllegalStateException("lane " + lane + " missing from /api/lanes: " + status.keySet());
                }
                LogPosition checkpoint = checkpoint(node);
                long position = checkpoint == null ? 0 : checkpoint.position();
                if (checkpoint == null || checkpoint.compareTo(head) < 0) {
                    seenBehind.add(lane);
                }
                firstLane.putIfAbsent(lane, fromZeroSince >= 0 ? 0 : position);
                // a fast lane may finish its rebuild before the first sample: it has applied events since the request
                if (fromZeroSince >= 0 && node.path("appliedEvents").asLong() > appliedBeforeRebuild.getOrDefault(lane, 0L)) {
                    seenBehind.add(lane);
                }
                if (checkpoint != null && checkpoint.compareTo(head) >= 0 && (fromZeroSince < 0 || seenBehind.contains(lane))) {
                    doneAt.putIfAbsent(lane, now);
                }
                min = Math.min(min, position);
            }
            if (firstNanos < 0) {
                firstNanos = now;
                firstPosition = min;
            }
            if (fromZeroSince >= 0 && seenBehind.size() < lanes.size()) {
                min = 0;   // a lane not reset yet still shows its old checkpoint
            }
            if (doneAt.size() == lanes.size()) {
                double seconds = (now - firstNanos) / 1e9;
                double rate = (head.position() - firstPosition) / seconds;
                Map<String, Double> perLane = new LinkedHashMap<>();
                for (String lane : lanes) {
                    // a rebuild's lane counts for its read model
                    perLane.put(lane.replaceFirst("~.*$", ""),
                            (head.position() - firstLane.get(lane)) / ((doneAt.get(lane) - firstNanos) / 1e9));
                }
                say("%s: %,d events in %.1f s → %,.0f events/s%s", label, head.position() - firstPosition, seconds, rate,
                        lanes.size() > 1 ? "   per lane " + format(perLane) : "");
                return new Progress(rate, perLane);
            }
            if (now - lastPrint > 2_000_000_000L) {
                lastPrint = now;
                double seconds = Math.max(0.001, (now - firstNanos) / 1e9);
                double pace = (min - firstPosition) / seconds;
                say("%s … %5.1f%%  %,.0f events/s  ETA %s", label, 100.0 * min / Math.max(1, head.position()), pace,
                        pace > 0 ? String.format(Locale.ROOT, "%.0f s", (head.position() - min) / pace) : "?");
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(label + ": not caught up within 20 minutes");
    }

    private static LogPosition checkpoint(JsonNode lane) {
        JsonNode checkpoint = lane.path("checkpoint");
        if (checkpoint.isMissingNode() || checkpoint.isNull()) {
            return null;
        }
        return new LogPosition(checkpoint.path("txId").asLong(), checkpoint.path("position").asLong());
    }

    // ------------------------------------------------------------------------------------------------ appends

    record ApiAppend(double rate, String detail) {
    }

    /**
     * For profiling the command path: {@code commands} commands through the API (16 clients, projection off; with a
     * JDK Flight Recorder recording {@code <profileDir>/commands.jfr} when given), then as many events appended
     * straight to the event store by 16 writers. Nothing is written to RESULTS.md.
     */
    private void apiOnly(int commands, Path profileDir) throws Exception {
        say("Projection Hub benchmark, command path only: " + commands + " commands; "
                + results.environment.get("machine"));
        ApiAppend api = apiAppend(commands, profileDir);
        say("  command API: %,.0f commands/s (%s)", api.rate, api.detail);
        stores.wipe();
        List<OrderWorkload.Append> appends = new OrderWorkload("b-", 42).generate(commands);
        OrderWorkload.AppendRun fill = OrderWorkload.appendAll(stores.eventStore(), appends, 16);
        say("  event store directly, 16 writers: %,d events in %.1f s: %,.0f events/s", fill.events(),
                fill.nanos() / 1e9, fill.eventsPerSecond());
    }

    private ApiAppend apiAppend(int commands, Path profileDir) throws Exception {
        stores.wipe();
        HubProcess.Builder builder = hub(null).property("projhub.projection.enabled", "false");
        recordWithJfr(builder, profileDir, "commands.jfr");
        HubProcess hub = builder.build();
        try {
            hub.start(Duration.ofMinutes(2));
            HubApi api = hub.api();
            int customers = Math.max(1, commands / 20);
            AtomicInteger next = new AtomicInteger();
            AtomicLong failures = new AtomicLong();
            int threads = 16;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CpuAccount.Snapshot cpuBefore;
            long begin;
            try {
                // Warm-up, not counted: the same commands from the same clients until the JIT has compiled their path
                // (a cold hub spends more CPU compiling than serving: 72 s of compiler threads in a 45 s run of 10,000).
                int warmCustomers = 500;
                runCommands(pool, threads, warmCustomers, i -> api.post("/api/customers", "{\"id\":\"warm-" + i
                        + "\",\"name\":\"Warm " + i + "\",\"email\":\"w" + i + "@example.com\"}"), failures);
                runCommands(pool, threads, WARM_COMMANDS, i -> api.post("/api/orders", "{\"id\":\"warm-order-" + i
                        + "\",\"customerId\":\"warm-" + (i % warmCustomers) + "\",\"currency\":\"EUR\",\"items\":["
                        + "{\"name\":\"product-" + (i % 50) + "\",\"price\":\"12.50\",\"quantity\":2}]}"),
                        failures);
                cpuBefore = CpuAccount.snapshot();
                begin = System.nanoTime();
                // customers first (orders name them), then orders
                runCommands(pool, threads, customers, i -> api.post("/api/customers", "{\"id\":\"api-customer-" + i
                        + "\",\"name\":\"Customer " + i + "\",\"email\":\"c" + i + "@example.com\"}"), failures);
                next.set(0);
                runCommands(pool, threads, commands - customers, i -> api.post("/api/orders", "{\"id\":\"api-order-" + i
                        + "\",\"customerId\":\"api-customer-" + (i % customers) + "\",\"currency\":\"EUR\",\"items\":["
                        + "{\"name\":\"product-" + (i % 50) + "\",\"price\":\"12.50\",\"quantity\":2}]}"), failures);
            } finally {
                pool.shutdownNow();
            }
            long nanos = System.nanoTime() - begin;
            String cpu = CpuAccount.format(CpuAccount.between(cpuBefore, CpuAccount.snapshot()));
            if (failures.get() > 0) {
                throw new IllegalStateException(failures.get() + " commands failed");
            }
            say("    CPU during the commands: %s", cpu);
            return new ApiAppend(commands * 1e9 / nanos, String.format(Locale.ROOT,
                    "%,d commands, %d HTTP clients, %.1f s, every one 201", commands, threads, nanos / 1e9));
        } finally {
            hub.stop();
        }
    }

    private interface Command {
        HubApi.Response send(int i);
    }

    private static void runCommands(ExecutorService pool, int threads, int count, Command command, AtomicLong failures)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    HubApi.Response response = command.send(i);
                    if (response.status() / 100 != 2) {
                        if (failures.incrementAndGet() < 5) {
                            System.err.println("command " + i + " → " + response.status() + " " + response.body());
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
    }

    // ------------------------------------------------------------------------------------------------ latency

    static final class Latency {
        double p50, p95, p99, max, achievedRate, pollMillis, heapUsedMaxMb, heapCommittedMb, rssMaxMb;
        int count, askedRate;
        /** Each lane's own p99 (append → that lane's checkpoint past the event), in {@link #READ_MODELS} order. */
        final Map<String, Double> laneP99 = new LinkedHashMap<>();
        /** CPU by process while the writers appended (100 % = one core). */
        Map<String, Double> cpu = Map.of();
    }

    private record Sent(LogPosition position, long ackNanos) {
    }

    /** Takes the events at or before {@code visible} out of {@code pending}, adding their latency in ms. */
    private static void takeVisible(PriorityQueue<Sent> pending, LogPosition visible, long now, List<Double> latencies) {
        while (!pending.isEmpty() && pending.peek().position().compareTo(visible) <= 0) {
            latencies.add((now - pending.poll().ackNanos()) / 1e6);
        }
    }

    /**
     * For profiling the live path: a hub with the five order read models on an empty log (recorded with JDK Flight
     * Recorder into {@code <profileDir>/latency.jfr} when given), then {@link #latency} at {@code rate}, then the search
     * comparison over the orders it wrote. Nothing is written to RESULTS.md.
     */
    private void latencyOnly(int rate, int seconds, Path profileDir) throws Exception {
        say("Projection Hub benchmark, latency only: %d events/s for %d s; %s", rate, seconds,
                results.environment.get("machine"));
        stores.wipe();
        resetReadModels();
        // A warm hub, as in the full run (where the latency follows the projection runs): a cold JIT's compilations
        // under load would be measured instead of the steady state.
        int warmEvents = option("warm-events", 50_000);
        OrderWorkload.appendAll(stores.eventStore(), new OrderWorkload("warm-", 3).generate(warmEvents), 8);
        HubProcess.Builder builder = hub(null);
        recordWithJfr(builder, profileDir, "latency.jfr");
        HubProcess hub = builder.build();
        try {
            hub.start(Duration.ofMinutes(2));
            waitCaughtUp(hub, READ_MODELS, logHead(), "  warm-up (" + warmEvents + " events)");
            sayLatency(latency(hub, stores.eventStore(), "lat-", rate, seconds));
            SearchFigures search = search(hub, option("search-queries", 2000));
            say("  search: API %,.0f queries/s (p50 %.1f ms, p99 %.1f ms); Elasticsearch directly %,.0f queries/s "
                    + "(p50 %.1f ms, p99 %.1f ms): %.2f ×", search.api().rate(), search.api().p50(), search.api().p99(),
                    search.direct().rate(), search.direct().p50(), search.direct().p99(),
                    search.api().rate() / search.direct().rate());
        } finally {
            hub.stop();
        }
    }

    private static String laneP99s(Latency l) {
        StringJoiner joined = new StringJoiner(", ");
        l.laneP99.forEach((model, p99) -> joined.add(String.format(Locale.ROOT, "%s %.1f ms", model, p99)));
        return joined.toString();
    }

    private void sayLatency(Latency l) {
        say("  p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms  (%d events, asked %d/s, achieved %.0f events/s; "
                + "status polled every %.1f ms)", l.p50, l.p95, l.p99, l.max, l.count, l.askedRate, l.achievedRate,
                l.pollMillis);
        say("    p99 per lane: %s", laneP99s(l));
        say("    CPU while appending: %s", CpuAccount.format(l.cpu));
    }

    /**
     * The pause between two polls of {@code /api/lanes} in the latency run: a dashboard's poll, not a busy loop that
     * would take the hub's CPU from the lanes it measures.
     */
    static final long POLL_PAUSE_MILLIS = 10;

    /** Commands sent to a fresh hub before the command API is measured. */
    static final int WARM_COMMANDS = 5_000;

    /** The command API's clients, and as many direct writers, paced writers and search clients. */
    static final int API_CLIENTS = 16;

    private Latency latency(HubProcess hub, EventStore eventStore, String prefix, int rate, int seconds)
            throws Exception {
        List<OrderWorkload.Append> appends = new OrderWorkload(prefix, 7).generate(rate * seconds);
        // Each writer appends one at a time (a few ms per append): enough of them that together they reach the rate.
        int writers = API_CLIENTS;
        List<List<OrderWorkload.Append>> perWriter = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            perWriter.add(new ArrayList<>());
        }
        for (OrderWorkload.Append append : appends) {
            perWriter.get(Math.floorMod(append.streamId().hashCode(), writers)).add(append);
        }
        ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong lastAck = new AtomicLong();
        // Daemon writers: a run that fails half-way (not visible in time, a writer's error) leaves no thread behind.
        ExecutorService pool = Executors.newFixedThreadPool(writers, runnable -> {
            Thread thread = new Thread(runnable, "paced-writer");
            thread.setDaemon(true);
            return thread;
        });
        CpuAccount.Snapshot cpuBefore = CpuAccount.snapshot();
        long begin = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (List<OrderWorkload.Append> mine : perWriter) {
            double perWriterRate = rate * (double) mine.size() / appends.size();
            futures.add(pool.submit(() -> {
                for (int i = 0; i < mine.size(); i++) {
                    long due = begin + (long) (i * 1e9 / perWriterRate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    OrderWorkload.Append a = mine.get(i);
                    AppendResult result = eventStore.append(a.streamId(), a.streamType(), ExpectedVersion.ANY, a.events());
                    long acked = System.nanoTime();
                    sent.add(new Sent(result.position(), acked));
                    lastAck.accumulateAndGet(acked, Math::max);
                }
                return null;
            }));
        }
        HubApi api = hub.api();
        Map<String, Double> cpuWhileWriting = null;
        List<Double> latencies = new ArrayList<>();
        // Ordered by position: each poll takes out what a checkpoint has passed without looking at the rest.
        Comparator<Sent> byPosition = Comparator.comparing(Sent::position);
        PriorityQueue<Sent> pending = new PriorityQueue<>(byPosition);
        Map<String, List<Double>> laneLatencies = new LinkedHashMap<>();
        Map<String, PriorityQueue<Sent>> lanePending = new LinkedHashMap<>();
        for (String model : READ_MODELS) {
            laneLatencies.put(model, new ArrayList<>());
            lanePending.put(model, new PriorityQueue<>(byPosition));
        }
        long polls = 0;
        long pollStart = System.nanoTime();
        double heapMax = 0, committed = 0, rssMax = 0;
        long lastMemory = 0;
        Thread poller = Thread.currentThread();
        while (true) {
            boolean writersDone = futures.stream().allMatch(Future::isDone);
            if (writersDone && cpuWhileWriting == null) {
                cpuWhileWriting = CpuAccount.between(cpuBefore, CpuAccount.snapshot());
            }
            Map<String, JsonNode> lanes = api.lanes();
            long now = System.nanoTime();
            polls++;
            for (Sent s; (s = sent.poll()) != null; ) {
                pending.add(s);
                for (PriorityQueue<Sent> mine : lanePending.values()) {
                    mine.add(s);
                }
            }
            LogPosition min = null;
            for (String model : READ_MODELS) {
                LogPosition checkpoint = checkpoint(lanes.get(model));
                if (checkpoint != null) {
                    takeVisible(lanePending.get(model), checkpoint, now, laneLatencies.get(model));
                }
                if (checkpoint == null) {
                    min = null; // a lane without a checkpoint: nothing is visible everywhere yet
                    break;
                }
                if (min == null || checkpoint.compareTo(min) < 0) {
                    min = checkpoint;
                }
            }
            if (min != null) {
                takeVisible(pending, min, now, latencies);
            }
            if (now - lastMemory > 1_000_000_000L) {
                lastMemory = now;
                if (Boolean.getBoolean("projhub.bench.trace")) {
                    StringJoiner behind = new StringJoiner(" ");
                    lanePending.forEach((model, mine) -> behind.add(model + "=" + mine.size()));
                    say("    %5.1f s: events not yet past each lane: %s", (now - begin) / 1e9, behind);
                }
                heapMax = Math.max(heapMax, metric(api, "jvm.memory.used") / 1e6);
                committed = Math.max(committed, metric(api, "jvm.memory.committed") / 1e6);
                rssMax = Math.max(rssMax, hub.residentBytes() / 1e6);
            }
            if (writersDone && sent.isEmpty() && pending.isEmpty()) {
                break;
            }
            if (now - begin > (seconds + 120) * 1_000_000_000L) {
                throw new IllegalStateException(pending.size() + " events not visible 120 s after the run");
            }
            if (poller.isInterrupted()) {
                throw new InterruptedException();
            }
            Thread.sleep(POLL_PAUSE_MILLIS);
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdownNow();
        long end = System.nanoTime();
        latencies.sort(Double::compare);
        Latency l = new Latency();
        l.count = latencies.size();
        l.p50 = percentile(latencies, 0.50);
        l.p95 = percentile(latencies, 0.95);
        l.p99 = percentile(latencies, 0.99);
        l.max = latencies.get(latencies.size() - 1);
        l.cpu = cpuWhileWriting;
        laneLatencies.forEach((model, mine) -> {
            mine.sort(Double::compare);
            l.laneP99.put(model, mine.isEmpty() ? Double.NaN : percentile(mine, 0.99));
        });
        l.askedRate = rate;
        l.achievedRate = appends.size() / ((lastAck.get() - begin) / 1e9); // while appending, not while draining
        l.pollMillis = (end - pollStart) / 1e6 / polls;
        l.heapUsedMaxMb = heapMax;
        l.heapCommittedMb = committed;
        l.rssMaxMb = rssMax;
        return l;
    }

    // ------------------------------------------------------------------------------------------------- search

    /** Queries per second and latency of one way of searching. */
    record SearchRun(int queries, double rate, double p50, double p99) {
    }

    record SearchFigures(SearchRun api, SearchRun direct) {
    }

    /**
     * The order search through the hub ({@code GET /api/read-models/order-search/search?q=…}, a reader's key) against
     * the query the hub sends for it (the same bool query: not deleted, {@code cross_fields} AND over the text
     * fields, by score then key, 10 hits, total counted) sent to Elasticsearch directly on the read alias;
     * {@link #API_CLIENTS} clients each, the words cycling over the 50 products. Each side warms up first (not counted).
     */
    private SearchFigures search(HubProcess hub, int queries) throws Exception {
        ElasticsearchDefinedReadModel search = (ElasticsearchDefinedReadModel) stores.definedReadModels(
                List.of("order-search")).get(0);
        String alias = search.alias();
        HubApi api = hub.api();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String esUrl = stores.endpoints().elasticsearchUrl() + "/" + alias + "/_search";
        Command viaApi = i -> api.get("/api/read-models/order-search/search?q=product-" + (i % 50) + "&size=10");
        Command direct = i -> {
            String body = """
                    {"query":{"bool":{"filter":[{"term":{"projhub_deleted":false}}],
                     "must":[{"multi_match":{"query":"product-%d","fields":["customerName","itemNames"],
                     "type":"cross_fields","operator":"and"}}]}},
                     "from":0,"size":10,"sort":[{"_score":{"order":"desc"}},{"projhub_key":{"order":"asc"}}],
                     "track_total_hits":true}""".formatted(i % 50);
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(esUrl))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                return new HubApi.Response(r.statusCode(), r.body());
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
        timedQueries(viaApi, 200);
        timedQueries(direct, 200);
        SearchRun apiRun = timedQueries(viaApi, queries);
        SearchRun directRun = timedQueries(direct, queries);
        return new SearchFigures(apiRun, directRun);
    }

    private static SearchRun timedQueries(Command query, int count) throws Exception {
        ConcurrentLinkedQueue<Double> millis = new ConcurrentLinkedQueue<>();
        AtomicLong failures = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(API_CLIENTS);
        long begin = System.nanoTime();
        try {
            runCommands(pool, API_CLIENTS, count, i -> {
                long t = System.nanoTime();
                HubApi.Response response = query.send(i);
                millis.add((System.nanoTime() - t) / 1e6);
                return response;
            }, failures);
        } finally {
            pool.shutdownNow();
        }
        long nanos = System.nanoTime() - begin;
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " search queries failed");
        }
        List<Double> sorted = new ArrayList<>(millis);
        sorted.sort(Double::compare);
        return new SearchRun(count, count * 1e9 / nanos, percentile(sorted, 0.50), percentile(sorted, 0.99));
    }

    private static double metric(HubApi api, String name) {
        HubApi.Response response = api.get("/actuator/metrics/" + name + "?tag=area:heap");
        if (response.status() != 200) {
            return 0;
        }
        return response.json().path("measurements").path(0).path("value").asDouble();
    }

    private static double percentile(List<Double> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    // -------------------------------------------------------------------------------------------------- floor

    /**
     * The seed's fan-out: each event, each store in turn, each awaited before the next (batches of one). It runs over
     * the first {@code count} order events of the log (the workload registers its customers first; orders are the
     * mix every read model handles).
     */
    private double floor(EventStore eventStore, int count) throws Exception {
        List<Projector> projectors = stores.projectors();
        List<RecordedEvent> events = new ArrayList<>();
        LogPosition after = LogPosition.START;
        while (events.size() < count) {
            List<RecordedEvent> page = eventStore.readAll(after, 1000);
            if (page.isEmpty()) {
                break;
            }
            for (RecordedEvent event : page) {
                if (events.size() < count && event.streamType().equals("order")) {
                    events.add(event);
                }
            }
            after = page.get(page.size() - 1).logPosition();
        }
        long begin = System.nanoTime();
        for (RecordedEvent event : events) {
            for (Projector projector : projectors) {
                if (projector.eventTypes().contains(event.type())) {
                    projector.apply(new EventBatch(List.of(event), event.logPosition(), false));
                }
            }
        }
        return events.size() * 1e9 / (System.nanoTime() - begin);
    }

    // -------------------------------------------------------------------------------------------- environment

    private Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        env.put("machine", String.format(Locale.ROOT, "%d cores, %.1f GiB RAM, %s %s", Runtime.getRuntime()
                .availableProcessors(), memory / 1024.0 / 1024 / 1024, System.getProperty("os.name"),
                System.getProperty("os.version")));
        env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        env.put("load average at start (1/5/15 min)", quietly(() -> Files.readString(Path.of("/proc/loadavg"))
                .substring(0, 14).strip()));
        env.put("commit", quietly(() -> new String(new ProcessBuilder("git", "-C", root.toString(), "describe",
                "--always", "--dirty").start().getInputStream().readAllBytes()).strip()));
        env.put("hub JVM", String.join(" ", HubProcess.HUB_JVM_OPTIONS) + " (as deploy/run.sh)");
        HttpClient http = HttpClient.newHttpClient();
        env.put("Elasticsearch", quietly(() -> JsonMapperHolder.read(http.send(HttpRequest.newBuilder(
                URI.create(stores.endpoints().elasticsearchUrl())).build(), HttpResponse.BodyHandlers.ofString()).body())
                .path("version").path("number").asString()));
        env.put("Redis", quietly(() -> stores.redis().info("server").lines()
                .filter(l -> l.startsWith("redis_version:")).findFirst().orElse("?").substring(14)));
        env.put("Neo4j", quietly(() -> {
            try (Session session = stores.neo4j().session()) {
                return session.run("CALL dbms.components() YIELD versions, edition RETURN versions[0] + ' ' + edition")
                        .single().get(0).asString();
            }
        }));
        env.put("InfluxDB", quietly(() -> http.send(HttpRequest.newBuilder(URI.create(stores.endpoints().influxUrl()
                + "/ping")).build(), HttpResponse.BodyHandlers.discarding()).headers()
                .firstValue("X-Influxdb-Version").orElse("?")));
        env.put("PostgreSQL", quietly(() -> {
            try (Connection c = stores.dataSource().getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("show server_version")) {
                rs.next();
                return rs.getString(1);
            }
        }));
        return env;
    }

    private interface Probe {
        String get() throws Exception;
    }

    private static String quietly(Probe probe) {
        try {
            return probe.get();
        } catch (Exception e) {
            return "unknown (" + e.getClass().getSimpleName() + ")";
        }
    }

    private static final class JsonMapperHolder {
        private static final tools.jackson.databind.ObjectMapper MAPPER = tools.jackson.databind.json.JsonMapper.builder().build();

        static JsonNode read(String body) {
            return MAPPER.readTree(body);
        }
    }

    static String format(Map<String, Double> rates) {
        StringBuilder sb = new StringBuilder();
        rates.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ')
                .append(String.format(Locale.ROOT, "%,.0f", v)));
        return sb.toString();
    }

    static void say(String format, Object... args) {
        System.out.println(args.length == 0 ? format : String.format(Locale.ROOT, format, args));
        System.out.flush();
    }

    // ------------------------------------------------------------------------------------------------ results

    static final class Results {
        Instant started, finished;
        Map<String, String> environment;
        OrderWorkload.Totals totals;
        StoreLimit.Rates limit;
        ApiAppend apiAppend;
        double directAppend, allFive, catchUp, floor;
        int floorEvents;
        final Map<String, Double> perModel = new LinkedHashMap<>();
        final Map<String, Double> perModelTogether = new LinkedHashMap<>();
        final Map<String, Map<String, Double>> cpuPerModel = new LinkedHashMap<>();
        Map<String, Double> cpuAllFive = Map.of();
        Latency latency, latencyDouble;
        SearchFigures search;
        Definitions definitions;

        String summary() {
            return String.format(Locale.ROOT, """
                    headline: hub %,.0f events/s with all five read models = %.2f × the stores' own bulk ingest \
                    all at once (%,.0f events/s) and %.0f × the seed's per-event fan-out (%,.0f events/s); \
                    p99 %.0f ms at %d events/s""", allFive, allFive / limit.allFive(), limit.allFive(), allFive / floor,
                    floor, latency.p99, Math.round(latency.achievedRate));
        }

        String markdown(int events) {
            StringBuilder md = new StringBuilder();
            md.append("# Benchmark results\n\n");
            md.append("Produced by `deploy/bench.sh` (").append(started).append(" → ").append(finished)
                    .append("). Every figure below was measured in this one run, on this machine, against real local "
                            + "stores and a real hub process (`hub-server.jar`).\n\n");
            md.append("| | |\n|---|---|\n");
            environment.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
            md.append(String.format(Locale.ROOT, "| workload | %,d events: %,d customers registered, %,d orders created "
                            + "(1–3 lines of 50 products), %,d shipped, %,d cancelled |\n\n", totals.events(),
                    totals.customers(), totals.orders(), totals.shipped(), totals.cancelled()));
            md.append("## Headline\n\n").append(summary()).append("\n\n");
            md.append("## The limit: the stores' own bulk APIs, no hub in between\n\n");
            md.append("The same ").append(String.format(Locale.ROOT, "%,d", events)).append(
                    " events written by Elasticsearch `_bulk` (1,000 docs, external versions), a Redis pipeline "
                            + "(4 commands per event), Neo4j `UNWIND … MERGE` (1,000 rows per transaction, uniqueness "
                            + "constraints), InfluxDB line protocol (5,000 lines per write), PostgreSQL multi-row upsert "
                            + "(1,000 rows).\n\n");
            md.append("| store | alone (events/s) | all five at once (events/s) |\n|---|---:|---:|\n");
            limit.alone().forEach((store, rate) -> md.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f |\n",
                    store, rate, limit.together().get(store))));
            md.append(String.format(Locale.ROOT, "| **all five at once** | | **%,.0f** |\n\n", limit.allFive()));
            md.append("CPU while the five bulk writers ran at once (100 % = one core): ")
                    .append(CpuAccount.format(limit.cpuTogether())).append("\n\n");
            md.append("## The hub\n\n| measure | result |\n|---|---:|\n");
            md.append(String.format(Locale.ROOT, "| append through the command API (%s) | %,.0f events/s |\n",
                    apiAppend.detail(), apiAppend.rate()));
            md.append(String.format(Locale.ROOT, "| append through the event store directly (%d writers, one event per "
                    + "append) | %,.0f events/s |\n", API_CLIENTS, directAppend));
            md.append(String.format(Locale.ROOT, "| **command API / direct append, same concurrency** | **%.2f** |\n",
                    apiAppend.rate() / directAppend));
            md.append(String.format(Locale.ROOT, "| search through the API (`/api/read-models/order-search/search?q=`, "
                            + "%d clients, %,d queries) | %,.0f queries/s (p50 %.1f ms, p99 %.1f ms) |\n", API_CLIENTS,
                    search.api().queries(), search.api().rate(), search.api().p50(), search.api().p99()));
            md.append(String.format(Locale.ROOT, "| the same query sent to Elasticsearch directly (%d clients) | %,.0f "
                            + "queries/s (p50 %.1f ms, p99 %.1f ms) |\n", API_CLIENTS, search.direct().rate(),
                    search.direct().p50(), search.direct().p99()));
            md.append(String.format(Locale.ROOT, "| **search API / Elasticsearch directly** | **%.2f** |\n",
                    search.api().rate() / search.direct().rate()));
            perModel.forEach((model, rate) -> md.append(String.format(Locale.ROOT,
                    "| projection, %s alone (hub with only that read model) | %,.0f events/s |\n", model, rate)));
            md.append(String.format(Locale.ROOT, "| **projection, all five together** (until the last lane is at the "
                    + "head) | **%,.0f events/s** |\n", allFive));
            perModelTogether.forEach((model, rate) -> md.append(String.format(Locale.ROOT,
                    "| … of which the %s lane | %,.0f events/s |\n", model, rate)));
            md.append(String.format(Locale.ROOT, "| catch-up: rebuild of all five from 0 through the admin API, hub "
                    + "running | %,.0f events/s |\n", catchUp));
            md.append(String.format(Locale.ROOT, "| the floor: the seed's one event at a time, each store awaited in "
                    + "turn (%s events) | %,.0f events/s |\n", "first " + String.format(Locale.ROOT, "%,d",
                    floorEvents), floor));
            md.append(String.format(Locale.ROOT, "| **hub / all-five limit** | **%.2f** |\n", allFive / limit.allFive()));
            md.append(String.format(Locale.ROOT, "| **hub / floor** | **%.0f ×** |\n\n", allFive / floor));
            md.append("## Where the CPU went (100 % = one core busy; the machine has ")
                    .append(Runtime.getRuntime().availableProcessors()).append(")\n\n| phase | CPU by process |\n|---|---|\n");
            cpuPerModel.forEach((model, cpu) -> md.append("| projection, ").append(model).append(" alone | ")
                    .append(CpuAccount.format(cpu)).append(" |\n"));
            md.append("| projection, all five together | ").append(CpuAccount.format(cpuAllFive)).append(" |\n\n");
            md.append(String.format(Locale.ROOT, "## Latency at a steady rate\n\nEvents appended by %d paced writers "
                    + "(one event per append) while all five lanes are live; an event counts as visible when every "
                    + "lane's checkpoint has passed it (`/api/lanes` polled every %.1f ms, which bounds the "
                    + "resolution). The achieved rate is counted while appending.\n\n"
                    + "| asked | achieved | events | p50 | p95 | p99 | max |\n|---:|---:|---:|---:|---:|---:|---:|\n",
                    API_CLIENTS, latency.pollMillis));
            for (Latency l : List.of(latency, latencyDouble)) {
                md.append(String.format(Locale.ROOT, "| %,d/s | %,.0f/s | %,d | %.1f ms | %.1f ms | %.1f ms | %.1f ms |\n",
                        l.askedRate, l.achievedRate, l.count, l.p50, l.p95, l.p99, l.max));
            }
            md.append("\np99 of each lane on its own (append → that lane's checkpoint past the event): ");
            for (Latency l : List.of(latency, latencyDouble)) {
                md.append(String.format(Locale.ROOT, "at %,d/s %s; ", l.askedRate, laneP99s(l)));
            }
            md.append('\n');
            for (Latency l : List.of(latency, latencyDouble)) {
                if (l.achievedRate < 0.95 * l.askedRate) {
                    md.append(String.format(Locale.ROOT, "At %,d/s the writers reached only %,.0f/s: %d writers each "
                                    + "wait for their append's commit, and on this machine (2 cores shared by the hub, the "
                                    + "five stores and the bench) appends took longer than the pacing allows.\n\n",
                            l.askedRate, l.achievedRate, API_CLIENTS));
                }
            }
            md.append(String.format(Locale.ROOT, "## Hub memory at steady state (during the latency run)\n\n"
                    + "heap used at most %.0f MB (heap committed %.0f MB, limit -Xmx256m); RSS at most %.0f MB.\n",
                    latency.heapUsedMaxMb, latency.heapCommittedMb, latency.rssMaxMb));
            if (definitions != null) {
                md.append("\n## The generic path: read models of definition files\n\n").append(definitions.section());
            }
            return md.toString();
        }
    }
}
