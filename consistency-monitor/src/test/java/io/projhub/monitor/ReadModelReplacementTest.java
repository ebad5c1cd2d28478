package io.projhub.monitor;

import static io.projhub.monitor.TestMonitors.FAST;
import static io.projhub.monitor.TestMonitors.TYPES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.monitor.internal.PostgresConsistencyMonitor;
import io.projhub.monitor.notify.Notifiers;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

/**
 * {@link ConsistencyMonitor#replaceReadModels}: the set of monitored read models changes while the monitor runs.
 * Alerts and their outbox are the real PostgreSQL tables and events the real event store; the read models are kept
 * in memory (only the monitor's bookkeeping is under test), each probe counting its calls.
 */
@RealStores
class ReadModelReplacementTest {

    /** A version far ahead of what a creeping stream reaches during a test. */
    private static final long FAR = 1_000_000;

    private static final List<String> LAG_METERS = List.of("projhub_read_model_position",
            "projhub_read_model_lag_events", "projhub_read_model_lag_seconds");

    /**
     * A read model in memory: each stream's applied version and a checkpoint. A stream in {@code creeping} is
     * being caught up: each check finds it one version further (never reaching a far-off write), so its
     * verification stays pending, without an alert, however long the test takes. While {@code frozen}, a re-drive
     * repairs nothing.
     */
    static final class MemoryReadModel {
        final String name;
        final Map<String, Long> applied = new ConcurrentHashMap<>();
        final Set<String> creeping = ConcurrentHashMap.newKeySet();
        volatile LogPosition checkpoint = LogPosition.START;
        volatile boolean frozen;

        MemoryReadModel(String name) {
            this.name = name;
        }

        /** A new probe over this read model (its own call counter), as a reloaded definition would give. */
        CountingProbe probe() {
            return new CountingProbe(this);
        }
    }

    static final class CountingProbe implements ReadModelProbe {
        final MemoryReadModel model;
        final AtomicInteger calls = new AtomicInteger();

        CountingProbe(MemoryReadModel model) {
            this.model = model;
        }

        @Override
        public String name() {
            return model.name;
        }

        @Override
        public LogPosition checkpoint() {
            calls.incrementAndGet();
            return model.checkpoint;
        }

        @Override
        public long appliedVersion(String streamId) {
            calls.incrementAndGet();
            if (model.creeping.contains(streamId)) {
                return model.applied.merge(streamId, 1L, Long::sum);
            }
            return model.applied.getOrDefault(streamId, 0L);
        }

        MonitoredReadModel monitored() {
            return new MonitoredReadModel(model.name, this, TYPES);
        }
    }

    /** Re-applies a stream from the event store to the read model, unless it is frozen. */
    final class MemoryRedriver implements Redriver {
        final Map<String, MemoryReadModel> models = new ConcurrentHashMap<>();

        @Override
        public CompletableFuture<Void> redrive(String readModel, String streamId) {
            MemoryReadModel model = models.get(readModel);
            if (model != null && !model.frozen) {
                model.applied.merge(streamId, store.streamVersion(streamId), Math::max);
            }
            return CompletableFuture.completedFuture(null);
        }
    }

    private HikariDataSource ds;
    private EventStore store;
    private String prefix;
    private SimpleMeterRegistry registry;
    private TestMonitors.Recorder recorder;
    private MemoryRedriver redriver;
    private PostgresConsistencyMonitor monitor;

    @BeforeEach
    void setUp(StoreEndpoints stores) {
        ds = TestDatabase.migrated(stores);
        store = TestDatabase.eventStore(ds);
        prefix = TestDatabase.uniquePrefix("replace");
        registry = new SimpleMeterRegistry();
        recorder = new TestMonitors.Recorder();
        redriver = new MemoryRedriver();
    }

    @AfterEach
    void tearDown() {
        if (monitor != null) {
            monitor.close();
        }
        ds.close();
    }

    private MemoryReadModel model(String suffix) {
        MemoryReadModel model = new MemoryReadModel(prefix + suffix);
        redriver.models.put(model.name, model);
        return model;
    }

    private PostgresConsistencyMonitor start(List<MonitoredReadModel> readModels, MonitorSettings settings) {
        monitor = new PostgresConsistencyMonitor(ds, store, readModels, null, redriver,
                Notifiers.create(List.of(NotifierSettings.log(prefix + "log"))), settings, registry, recorder);
        monitor.start();
        return monitor;
    }

    /** Appends to the stream, the given read models apply it at once, and the write is tracked. */
    private AppendResult write(String stream, MemoryReadModel... applyingAtOnce) {
        AppendResult result = TestMonitors.append(store, stream);
        for (MemoryReadModel model : applyingAtOnce) {
            model.applied.merge(stream, result.newVersion(), Math::max);
        }
        monitor.track(result, TYPES);
        return result;
    }

    private ReadModelConsistency status(String name) {
        return monitor.status().readModels().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    private Set<String> statusNames() {
        return monitor.status().readModels().stream().map(ReadModelConsistency::name).collect(Collectors.toSet());
    }

    private Gauge gauge(String meter, String readModel) {
        return registry.find(meter).tag("read_model", readModel).gauge();
    }

    /** The read models that have lag gauges, among this test's. */
    private Set<String> gaugedReadModels(String meter) {
        return registry.find(meter).gauges().stream().map(g -> g.getId().getTag("read_model"))
                .filter(name -> name != null && name.startsWith(prefix)).collect(Collectors.toSet());
    }

    private Map<String, Object> alert(String key) {
        List<Map<String, Object>> rows = TestDatabase.rows(ds,
                "select status, resolution, details::text as details from alerts where alert_key = ? order by id", key);
        assertThat(rows).as("alerts with key %s", key).hasSize(1);
        return rows.get(0);
    }

    @Test
    void aReadModelAddedAtRunTimeHasItsLagMeasuredAndItsMissedWritesFoundRedrivenAndAlertedLikeTheOthers()
            throws Exception {
        MemoryReadModel stays = model("stays");
        MemoryReadModel added = model("added");
        start(List.of(stays.probe().monitored()), FAST);

        String before = prefix + "order-before";
        write(before, stays); // tracked before the replacement: not the added read model's to verify
        await().atMost(Duration.ofSeconds(10)).until(() -> !recorder.checksOf(stays.name, before).isEmpty());
        assertThat(gauge("projhub_read_model_lag_events", added.name)).isNull();
        assertThat(statusNames()).containsExactly(stays.name);

        // The added read model's store has applied up to the first of four events: three behind.
        String lagStream = prefix + "lagging";
        AppendResult first = TestMonitors.append(store, lagStream);
        for (int i = 0; i < 3; i++) {
            TestMonitors.append(store, lagStream);
        }
        added.checkpoint = first.position();
        added.frozen = true; // its re-drives repair nothing: a write it misses stays missed
        CountingProbe addedProbe = added.probe();

        monitor.replaceReadModels(List.of(stays.probe().monitored(), addedProbe.monitored()));

        assertThat(statusNames()).containsExactlyInAnyOrder(stays.name, added.name);
        assertThat(LAG_METERS).allSatisfy(meter -> assertThat(gauge(meter, added.name)).isNotNull());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            ReadModelConsistency lag = status(added.name);
            assertThat(lag.measuredAt()).isNotNull();
            assertThat(lag.position()).isEqualTo(first.position().token());
            assertThat(lag.lagEvents()).isGreaterThanOrEqualTo(3); // other tests may append meanwhile
            assertThat(lag.lagSeconds()).isGreaterThanOrEqualTo(0);
            assertThat(gauge("projhub_read_model_lag_events", added.name).value()).isGreaterThanOrEqualTo(3.0);
            assertThat(gauge("projhub_read_model_position", added.name).value())
                    .isEqualTo((double) first.position().position());
        });

        // A write tracked now that the added read model misses: checked, re-driven 3 times, alerted after 4 checks.
        String missed = prefix + "order-missed";
        AppendResult write = write(missed, stays);
        String key = added.name + ":" + missed;
        await().atMost(Duration.ofSeconds(15)).until(() -> recorder.transitions.contains("FIRING " + key));
        assertThat(recorder.checksOf(added.name, missed)).hasSize(4)
                .allSatisfy(c -> assertThat(c.caughtUp()).isFalse());
        assertThat(recorder.retryRedrives(added.name, missed)).isEqualTo(3);
        assertThat(recorder.checksOf(stays.name, missed)).hasSize(1)
                .allSatisfy(c -> assertThat(c.caughtUp()).isTrue());
        assertThat(status(added.name).retries()).isEqualTo(3);
        Map<String, Object> firing = alert(key);
        assertThat(firing.get("status")).isEqualTo("FIRING");
        assertThat((String) firing.get("details")).contains("\"attempts\": 4", "\"expectedVersion\": "
                + write.newVersion(), "\"appliedVersion\": 0");
        assertThat(TestDatabase.outbox(ds, key)).extracting(r -> r.get("transition")).containsExactly("FIRING");
        assertThat(recorder.checksOf(added.name, before)).as("written before it was added").isEmpty();

        // It is re-checked like the others' firing alerts: once a re-drive repairs it, the alert resolves.
        added.frozen = false;
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.transitions.contains("RESOLVED " + key));
        assertThat(alert(key).get("resolution")).asString().contains("applied version " + write.newVersion());
        assertThat(TestDatabase.alerts(ds, stays.name)).isEmpty();
    }

    @Test
    void aRemovedReadModelIsNoLongerProbedLosesItsMetricsAndPendingVerificationsAndItsFiringAlertsResolveWhileTheOtherKeepsItsOwn()
            throws Exception {
        MemoryReadModel stays = model("stays");
        MemoryReadModel removed = model("removed");
        CountingProbe staysOldProbe = stays.probe();
        CountingProbe removedProbe = removed.probe();
        start(List.of(staysOldProbe.monitored(), removedProbe.monitored()), FAST);

        // The removed read model has a firing alert...
        removed.frozen = true;
        String alerted = prefix + "order-alerted";
        write(alerted, stays);
        String alertKey = removed.name + ":" + alerted;
        await().atMost(Duration.ofSeconds(15)).until(() -> recorder.transitions.contains("FIRING " + alertKey));
        // ...and a pending verification; the read model that stays has one too (a write it has not applied yet).
        String removedPending = prefix + "order-removed-pending";
        stays.applied.put(removedPending, FAR);
        removed.creeping.add(removedPending);
        monitor.track(new AppendResult(removedPending, FAR, new LogPosition(1, 1)), TYPES);
        String staysPending = prefix + "order-stays-pending";
        removed.applied.put(staysPending, FAR);
        stays.creeping.add(staysPending);
        monitor.track(new AppendResult(staysPending, FAR, new LogPosition(1, 2)), TYPES);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(recorder.checksOf(removed.name, removedPending)).hasSizeGreaterThanOrEqualTo(2);
            assertThat(recorder.checksOf(stays.name, staysPending)).hasSizeGreaterThanOrEqualTo(2);
            assertThat(status(removed.name).pendingVerifications()).isEqualTo(1);
            assertThat(status(stays.name).pendingVerifications()).isEqualTo(1);
            assertThat(status(removed.name).measuredAt()).isNotNull();
        });
        assertThat(LAG_METERS).allSatisfy(meter -> assertThat(gaugedReadModels(meter))
                .containsExactlyInAnyOrder(stays.name, removed.name));

        // Reloaded: one read model gone, the other given a new probe.
        CountingProbe staysNewProbe = stays.probe();
        monitor.replaceReadModels(List.of(staysNewProbe.monitored()));

        // Synchronously: the set, its pending verifications, its metrics and its firing alerts.
        ConsistencyStatus after = monitor.status();
        assertThat(after.readModels()).extracting(ReadModelConsistency::name).containsExactly(stays.name);
        assertThat(after.readModels().get(0).pendingVerifications()).as("kept across the replacement").isEqualTo(1);
        assertThat(after.pendingVerifications()).as("the removed one's is dropped").isEqualTo(1);
        assertThat(after.droppedVerifications()).as("dropping is not the queue being full").isZero();
        assertThat(LAG_METERS).allSatisfy(meter -> {
            assertThat(gauge(meter, removed.name)).isNull();
            assertThat(gaugedReadModels(meter)).containsExactly(stays.name);
        });
        Map<String, Object> resolved = alert(alertKey);
        assertThat(resolved.get("status")).isEqualTo("RESOLVED");
        assertThat(resolved.get("resolution")).asString().contains("read model " + removed.name + " removed");
        assertThat(recorder.transitions).contains("RESOLVED " + alertKey);
        assertThat(TestDatabase.outbox(ds, alertKey)).extracting(r -> r.get("transition"))
                .containsExactly("FIRING", "RESOLVED");

        // No more probes of the removed read model (one that was in flight at the replacement may still finish).
        Thread.sleep(300);
        int removedCalls = removedProbe.calls.get();
        int removedChecks = recorder.checksOf(removed.name, removedPending).size();
        int staysOldCalls = staysOldProbe.calls.get();
        long removedRedrives = recorder.redrives.stream().filter(r -> r.startsWith(removed.name + ":")).count();
        Thread.sleep(1500); // ~7 lag rounds, ~15 backoff rounds of the creeping streams
        assertThat(removedProbe.calls.get()).isEqualTo(removedCalls);
        assertThat(recorder.checksOf(removed.name, removedPending)).hasSize(removedChecks);
        assertThat(recorder.redrives.stream().filter(r -> r.startsWith(removed.name + ":")).count())
                .isEqualTo(removedRedrives);
        assertThat(staysOldProbe.calls.get()).as("the old probe is replaced").isEqualTo(staysOldCalls);
        assertThat(staysNewProbe.calls.get()).as("the new probe measures and verifies").isPositive();
        assertThat(recorder.checksOf(stays.name, staysPending).size()).isGreaterThan(2);
        assertThat(alert(alertKey).get("status")).as("not raised again").isEqualTo("RESOLVED");
        assertThat(TestDatabase.alerts(ds, removed.name)).hasSize(1);
        assertThat(status(stays.name).pendingVerifications()).isEqualTo(1);

        // The write tracked before the replacement and applied after it is verified, not lost.
        stays.creeping.remove(staysPending);
        stays.applied.put(staysPending, FAR);
        await().atMost(Duration.ofSeconds(10)).until(() -> monitor.status().pendingVerifications() == 0);
        assertThat(recorder.checksOf(stays.name, staysPending)).last()
                .satisfies(c -> assertThat(c.caughtUp()).isTrue());
        assertThat(TestDatabase.alerts(ds, stays.name)).isEmpty();

        // Added back under the same name: afresh (gauges, lag, verification of new writes; old entries stay gone).
        removed.frozen = false;
        removed.checkpoint = new LogPosition(1, 42);
        CountingProbe backProbe = removed.probe();
        monitor.replaceReadModels(List.of(staysNewProbe.monitored(), backProbe.monitored()));
        assertThat(LAG_METERS).allSatisfy(meter -> assertThat(gaugedReadModels(meter))
                .containsExactlyInAnyOrder(stays.name, removed.name));
        String back = prefix + "order-back";
        write(back, stays, removed);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(recorder.checksOf(removed.name, back)).hasSize(1)
                    .allSatisfy(c -> assertThat(c.caughtUp()).isTrue());
            assertThat(status(removed.name).measuredAt()).isNotNull();
            assertThat(gauge("projhub_read_model_position", removed.name).value()).isEqualTo(42.0);
        });
        assertThat(recorder.checksOf(removed.name, removedPending)).hasSize(removedChecks);
        assertThat(status(removed.name).pendingVerifications()).isZero();
        assertThat(status(removed.name).retries()).as("a fresh counter").isZero();
        assertThat(TestDatabase.alerts(ds, removed.name)).hasSize(1);
    }

    @Test
    void replacementsRacingTrackStatusAndTicksLeaveExactlyTheLastSet() throws Exception {
        // Read models that have applied everything: whatever is tracked for them verifies at the first check.
        List<MemoryReadModel> models = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            models.add(model("m" + i));
        }
        ReadModelProbe[] probes = new ReadModelProbe[models.size()];
        for (int i = 0; i < models.size(); i++) {
            MemoryReadModel model = models.get(i);
            probes[i] = new ReadModelProbe() {
                @Override
                public String name() {
                    return model.name;
                }

                @Override
                public LogPosition checkpoint() {
                    return LogPosition.START;
                }

                @Override
                public long appliedVersion(String streamId) {
                    return Long.MAX_VALUE;
                }
            };
        }
        start(List.of(new MonitoredReadModel(models.get(0).name, probes[0], TYPES)), FAST);

        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> running = new ArrayList<>();
            AtomicInteger writes = new AtomicInteger();
            running.add(threads.submit(() -> {
                while (!stop.get()) {
                    int n = writes.incrementAndGet();
                    monitor.track(new AppendResult(prefix + "s" + (n % 50), n, new LogPosition(1, n)), TYPES);
                }
            }));
            running.add(threads.submit(() -> {
                while (!stop.get()) {
                    ConsistencyStatus status = monitor.status();
                    assertThat(status.readModels()).allSatisfy(r -> assertThat(r.name()).startsWith(prefix));
                }
            }));
            running.add(threads.submit(() -> {
                for (int round = 0; round < 200; round++) {
                    List<MonitoredReadModel> set = new ArrayList<>();
                    for (int i = 0; i < models.size(); i++) {
                        if (((round >> i) & 1) == 1 || i == round % models.size()) {
                            set.add(new MonitoredReadModel(models.get(i).name, probes[i], TYPES));
                        }
                    }
                    monitor.replaceReadModels(set);
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }));
            running.get(2).get(); // the replacements
            stop.set(true);
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(failures).isEmpty();

        List<MonitoredReadModel> last = List.of(new MonitoredReadModel(models.get(1).name, probes[1], TYPES),
                new MonitoredReadModel(models.get(3).name, probes[3], TYPES));
        monitor.replaceReadModels(last);
        Set<String> lastNames = Set.of(models.get(1).name, models.get(3).name);
        assertThat(statusNames()).isEqualTo(lastNames);
        assertThat(LAG_METERS).allSatisfy(meter -> assertThat(gaugedReadModels(meter)).isEqualTo(lastNames));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            ConsistencyStatus status = monitor.status();
            assertThat(status.pendingVerifications()).isZero();
            assertThat(status.readModels()).allSatisfy(r -> assertThat(r.measuredAt()).isNotNull());
        });
        String fresh = prefix + "after-storm";
        monitor.track(new AppendResult(fresh, 1, new LogPosition(1, 1)), TYPES);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(recorder.checks.stream()
                .filter(c -> c.streamId().equals(fresh)).map(VerificationCheck::readModel)
                .collect(Collectors.toSet())).isEqualTo(lastNames));
        assertThat(TestDatabase.alerts(ds, prefix)).isEmpty();
    }

    @Test
    void anInvalidSetChangesNothingAndAClosedMonitorRefuses() {
        MemoryReadModel a = model("a");
        start(List.of(a.probe().monitored()), FAST);
        CountingProbe other = a.probe();
        assertThatThrownBy(() -> monitor.replaceReadModels(List.of(other.monitored(), other.monitored())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two read models");
        assertThat(statusNames()).containsExactly(a.name);
        assertThat(gaugedReadModels("projhub_read_model_lag_events")).containsExactly(a.name);
        monitor.replaceReadModels(List.of());
        assertThat(monitor.status().readModels()).isEmpty();
        assertThat(gaugedReadModels("projhub_read_model_lag_events")).isEmpty();
        monitor.close();
        assertThatThrownBy(() -> monitor.replaceReadModels(List.of(a.probe().monitored())))
                .isInstanceOf(IllegalStateException.class);
    }
}
