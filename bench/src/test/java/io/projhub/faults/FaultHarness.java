package io.projhub.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import io.projhub.bench.BenchStores;
import io.projhub.bench.HubApi;
import io.projhub.bench.HubProcess;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.testsupport.StoreEndpoints;
import io.projhub.testsupport.TestStores;
import tools.jackson.databind.JsonNode;

/**
 * What every fault test shares: the repository, the bench stores (checked to be the bench's own database, Redis
 * database and bucket before anything is wiped), the coordination with the benchmark run, hubs started with their
 * logs under {@code bench/target/hub-logs/<test>}, the event log's own counts and waiting for lanes to catch up.
 */
final class FaultHarness implements AutoCloseable {

    static final Path ROOT = findRoot();

    /** Exists while another engineer's benchmark runs against the shared stores. */
    static final Path BENCH_RUNNING = Path.of("/tmp/projhub-bench-running");

    private static final Duration BENCH_WAIT = Duration.ofMinutes(30);

    /** While a fault class runs, this file names it (for other engineers' runs). */
    static final String FAULTS_RUNNING_PATH = "/tmp/projhub-faults-running";

    /** Hubs started by the fault tests: killed if the test JVM ends before the tests stop them. */
    private static final java.util.Set<HubProcess> HUBS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            HUBS.forEach(HubProcess::kill);
            deleteQuietly(Path.of(FAULTS_RUNNING_PATH));
        }, "faults-clean-up"));
    }

    private final String testName;
    private final BenchStores stores;
    private final Outages outages;
    private final FaultReport report;

    private FaultHarness(String testName, BenchStores stores, FaultReport report) {
        this.testName = testName;
        this.stores = stores;
        this.report = report;
        this.outages = new Outages(report);
    }

    /**
     * The bench stores, wiped (once per test class, before its hub starts). Waits while a benchmark runs: it uses the
     * same bench database and namespace.
     */
    static FaultHarness open(Class<?> testClass) throws Exception {
        FaultReport report = FaultReport.of(testClass);
        StoreEndpoints endpoints = TestStores.benchEndpoints();
        requireBenchStores(endpoints);
        long waited = awaitBenchIdle() + awaitBenchDatabaseIdle(endpoints);
        if (waited > 0) {
            report.figure("waited for other users of the bench stores before starting", FaultReport.seconds(waited));
        }
        writeRunningMarker(testClass);
        BenchStores stores = new BenchStores(endpoints);
        try {
            long begin = System.nanoTime();
            wipe(stores);
            stores.eventStore(); // creates the event store's tables, so the log can be counted before the hub starts
            report.figure("wiping the bench stores", FaultReport.millis(System.nanoTime() - begin));
        } catch (Exception e) {
            stores.close();
            deleteQuietly(Path.of(FAULTS_RUNNING_PATH));
            throw e;
        }
        return new FaultHarness(testClass.getSimpleName(), stores, report);
    }

    /**
     * {@link BenchStores#wipe()}, tried again a few times when a store answers with a transient error: Neo4j's graph is
     * shared, and clearing it while another run writes to it can end in a deadlock that Neo4j resolves by failing one
     * of the two transactions.
     */
    private static void wipe(BenchStores stores) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                stores.wipe();
                return;
            } catch (Exception e) {
                if (attempt >= 6 || io.projhub.core.projection.FailureKind.ofCauseChain(e)
                        != io.projhub.core.projection.FailureKind.TRANSIENT) {
                    throw e;
                }
                System.out.println("[faults] wiping the bench stores failed (" + e.getClass().getSimpleName()
                        + "), trying again: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
                Thread.sleep(1000L * attempt);
            }
        }
    }

    /**
     * Refuses anything but the bench's own database, Redis database and bucket: {@link BenchStores#wipe()} drops the
     * database's schemas, and a stores.env written before the bench variables existed would point at the hub's.
     */
    static void requireBenchStores(StoreEndpoints endpoints) {
        String why = "the fault runs wipe the bench stores; " + endpoints + " is not the bench's own (run "
                + "deploy/stores.sh up so that .run/stores.env holds PROJHUB_BENCH_*)";
        assertThat(endpoints.postgresUrl()).as(why).matches("jdbc:postgresql://[^/]+/projhub_bench(\\?.*)?");
        assertThat(endpoints.redisUrl()).as(why).endsWith("/2");
        assertThat(endpoints.influxBucket()).as(why).isEqualTo("projhub_bench");
    }

    /**
     * Waits while anyone else is connected to the bench database (a benchmark or another hub using the same stores
     * without the flag file): wiping under them would break both runs. Returns how long it waited (nanoseconds).
     */
    static long awaitBenchDatabaseIdle(StoreEndpoints endpoints) throws Exception {
        long begin = System.nanoTime();
        boolean said = false;
        try (Connection c = java.sql.DriverManager.getConnection(endpoints.postgresUrl(), endpoints.postgresUser(),
                endpoints.postgresPassword()); Statement s = c.createStatement()) {
            while (true) {
                String others;
                try (ResultSet rs = s.executeQuery("select count(*), string_agg(distinct coalesce(nullif(application_name, ''), "
                        + "'?') || ' ' || coalesce(host(client_addr), 'local'), ', ') from pg_stat_activity "
                        + "where datname = current_database() and pid <> pg_backend_pid()")) {
                    rs.next();
                    others = rs.getLong(1) == 0 ? null : rs.getLong(1) + " sessions (" + rs.getString(2) + ")";
                }
                if (others == null) {
                    return System.nanoTime() - begin;
                }
                if (!said) {
                    System.out.println("[faults] the bench database is in use by " + others + ": waiting until it is free");
                    said = true;
                }
                if (System.nanoTime() - begin > BENCH_WAIT.toNanos()) {
                    throw new IllegalStateException("the bench database is still in use after " + BENCH_WAIT + " by "
                            + others + "; the fault runs wipe it, so they wait for the other run to finish");
                }
                Thread.sleep(2000);
            }
        }
    }


    private static void writeRunningMarker(Class<?> testClass) {
        try {
            Files.writeString(Path.of(FAULTS_RUNNING_PATH), testClass.getSimpleName() + " (pid "
                    + ProcessHandle.current().pid() + ") since " + Instant.now() + "; it uses the bench stores\n");
        } catch (IOException e) {
            // informative only
        }
    }

    /** Waits while {@value} exists; returns how long (nanoseconds). */
    static long awaitBenchIdle() throws InterruptedException {
        long begin = System.nanoTime();
        boolean said = false;
        while (Files.exists(BENCH_RUNNING)) {
            if (!said) {
                System.out.println("[faults] " + BENCH_RUNNING + " exists: waiting for the benchmark run to finish");
                said = true;
            }
            if (System.nanoTime() - begin > BENCH_WAIT.toNanos()) {
                throw new IllegalStateException(BENCH_RUNNING + " still exists after " + BENCH_WAIT
                        + ": a benchmark is using the shared stores; run the fault tests later");
            }
            Thread.sleep(2000);
        }
        return System.nanoTime() - begin;
    }

    BenchStores stores() {
        return stores;
    }

    Outages outages() {
        return outages;
    }

    FaultReport report() {
        return report;
    }

    /**
     * A hub against the bench stores with the order read models (the order definitions of {@code read-models/} and
     * the two Java ones), its logs in {@code bench/target/hub-logs/<test>}; see {@link #build}.
     */
    HubProcess.Builder hub() {
        return HubProcess.builder(ROOT, stores.endpoints())
                .definitions(BenchStores.ORDER_DEFINITIONS)
                .logDir(ROOT.resolve("bench/target/hub-logs").resolve(testName));
    }

    /** Builds the hub and remembers it, so it is killed should the test JVM end early. */
    static HubProcess build(HubProcess.Builder builder) {
        HubProcess hub = builder.build();
        HUBS.add(hub);
        return hub;
    }

    /** A run prefix for stream ids: unique per run, no LIKE wildcards. */
    static String prefix(String tag) {
        return tag + "-" + Long.toString(Instant.now().getEpochSecond(), 36) + "-";
    }

    // ------------------------------------------------------------------------------------------- the event log

    /** The newest event's position in the bench log; 0 if none. */
    long logMaxPosition() throws SQLException {
        try (Connection c = stores.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select coalesce(max(position), 0) from events")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The last event of the bench log in the subscriber's order (transaction id, then position); START if none. */
    LogPosition logHead() throws SQLException {
        try (Connection c = stores.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select tx_id::text::bigint, position from events "
                     + "order by tx_id desc, position desc limit 1")) {
            return rs.next() ? new LogPosition(rs.getLong(1), rs.getLong(2)) : LogPosition.START;
        }
    }

    /** Events in the bench log. */
    long logEventCount() throws SQLException {
        try (Connection c = stores.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from events")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Events in the bench log at or before a position. */
    long logEventsUpTo(long position) throws SQLException {
        try (Connection c = stores.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from events where position <= ?")) {
            ps.setLong(1, position);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Event type → count, over the streams starting with {@code prefix} (the log's own truth). */
    Map<String, Long> logCountsByType(String prefix) throws SQLException {
        Map<String, Long> counts = new TreeMap<>();
        try (Connection c = stores.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "select event_type, count(*) from events where starts_with(stream_id, ?) group by event_type")) {
            ps.setString(1, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return counts;
    }

    // ------------------------------------------------------------------------------------------------- lanes

    /** Lane name → checkpoint position (-1 when none, or when the hub does not answer). */
    static Map<String, Long> checkpoints(HubApi api) {
        Map<String, Long> positions = new TreeMap<>();
        api.lanes().forEach((name, lane) -> positions.put(name, HubApi.checkpointPosition(lane)));
        return positions;
    }

    static long minCheckpoint(HubApi api) {
        return checkpoints(api).values().stream().mapToLong(Long::longValue).min().orElse(-1);
    }

    /** A lane's checkpoint as a log position (START when it has none). */
    static LogPosition checkpointOf(JsonNode lane) {
        JsonNode checkpoint = lane.path("checkpoint");
        if (checkpoint.isMissingNode() || checkpoint.isNull()) {
            return LogPosition.START;
        }
        return new LogPosition(checkpoint.path("txId").asLong(0), checkpoint.path("position").asLong(0));
    }

    /**
     * Waits until every lane's checkpoint covers {@code head} (the log's last event in the subscriber's order, so every
     * event of the log is applied) and no lane is retrying; returns how long it took (nanoseconds).
     */
    static long awaitCaughtUp(HubApi api, LogPosition head, Duration timeout) throws InterruptedException {
        long begin = System.nanoTime();
        long deadline = begin + timeout.toNanos();
        Map<String, JsonNode> last = Map.of();
        while (System.nanoTime() < deadline) {
            try {
                last = api.lanes();
                if (last.keySet().containsAll(ReadModelCounts.READ_MODELS) && last.values().stream().allMatch(lane -> checkpointOf(lane).compareTo(head) >= 0
                        && !lane.path("state").asString().equals("RETRYING"))) {
                    return System.nanoTime() - begin;
                }
            } catch (RuntimeException e) {
                // the hub restarting, or briefly unable to answer
            }
            Thread.sleep(200);
        }
        throw new AssertionError("lanes did not reach " + head + " within " + timeout + ":" + describe(last));
    }

    static String describe(Map<String, JsonNode> lanes) {
        StringBuilder state = new StringBuilder();
        lanes.forEach((name, lane) -> state.append("\n  ").append(name).append(": ").append(lane.path("state").asString())
                .append(" checkpoint ").append(checkpointOf(lane)).append(" lag ").append(lane.path("lagEvents").asLong())
                .append(" lastError ").append(lane.path("lastError").asString()));
        return state.toString();
    }

    /**
     * Waits until every lane's checkpoint position is at or past {@code position} and no lane is retrying (for one
     * writer of single-event appends, position order is the log's order); returns how long it took (nanoseconds).
     */
    static long awaitCaughtUp(HubApi api, long position, Duration timeout) throws InterruptedException {
        long begin = System.nanoTime();
        long deadline = begin + timeout.toNanos();
        Map<String, JsonNode> last = Map.of();
        while (System.nanoTime() < deadline) {
            try {
                last = api.lanes();
                if (last.keySet().containsAll(ReadModelCounts.READ_MODELS) && last.values().stream().allMatch(lane -> HubApi.checkpointPosition(lane) >= position
                        && !lane.path("state").asString().equals("RETRYING"))) {
                    return System.nanoTime() - begin;
                }
            } catch (RuntimeException e) {
                // the hub restarting, or briefly unable to answer
            }
            Thread.sleep(200);
        }
        throw new AssertionError("lanes did not reach position " + position + " within " + timeout + ":" + describe(last));
    }

    // ------------------------------------------------------------------------------------------- alerts

    /**
     * A quick monitor for outage runs: the lane polls and reports often, retries at most every 2 s, a stream a read
     * model has not applied raises its alert after about 7 s of checks, and a stalled lane after 15 s.
     */
    static HubProcess.Builder quickMonitor(HubProcess.Builder builder) {
        return builder
                .property("projhub.projection.poll-interval", "200ms")
                .property("projhub.projection.status-interval", "500ms")
                .property("projhub.projection.defaults.max-retry-interval", "2s")
                .property("projhub.monitor.lag-interval", "1s")
                .property("projhub.monitor.verification.initial-delay", "1s")
                .property("projhub.monitor.verification.initial-interval", "500ms")
                .property("projhub.monitor.verification.max-interval", "2s")
                .property("projhub.monitor.verification.max-attempts", "4")
                .property("projhub.monitor.alerts.evaluation-interval", "1s")
                .property("projhub.monitor.alerts.recheck-interval", "2s")
                .property("projhub.monitor.alerts.lane-stalled-after", "15s");
    }

    /** The alerts firing now. */
    static List<JsonNode> firingAlerts(HubApi api) {
        List<JsonNode> alerts = new ArrayList<>();
        api.get("/api/alerts?status=FIRING&limit=1000").json().forEach(alerts::add);
        return alerts;
    }

    /** The alerts, firing or resolved, that fired after {@code since}. */
    static List<JsonNode> alertsSince(HubApi api, Instant since) {
        List<JsonNode> alerts = new ArrayList<>();
        for (String status : List.of("FIRING", "RESOLVED")) {
            api.get("/api/alerts?status=" + status + "&limit=1000").json().forEach(a -> {
                if (Instant.parse(a.path("firedAt").asString()).isAfter(since)) {
                    alerts.add(a);
                }
            });
        }
        return alerts;
    }

    /** Polls {@code condition} every 200 ms until it holds; returns how long it took (nanoseconds). */
    static long awaitTrue(String what, Duration timeout, Supplier<Boolean> condition) throws InterruptedException {
        long begin = System.nanoTime();
        long deadline = begin + timeout.toNanos();
        RuntimeException lastError = null;
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(condition.get())) {
                    return System.nanoTime() - begin;
                }
                lastError = null;
            } catch (RuntimeException e) {
                lastError = e;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + " did not happen within " + timeout
                + (lastError == null ? "" : " (last error: " + lastError + ")"));
    }

    @Override
    public void close() {
        try {
            outages.close();
        } finally {
            stores.close();
            deleteQuietly(Path.of(FAULTS_RUNNING_PATH));
        }
    }

    private static Path findRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("deploy/stores.sh")) && Files.isDirectory(dir.resolve("bench"))) {
                return dir;
            }
        }
        throw new IllegalStateException("repository root (deploy/stores.sh) not found above " + Path.of("").toAbsolutePath());
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
