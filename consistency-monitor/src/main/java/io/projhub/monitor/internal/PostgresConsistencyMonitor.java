package io.projhub.monitor.internal;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogHead;
import io.projhub.core.projection.LaneStatus;
import io.projhub.core.projection.SubscriberStatus;
import io.projhub.monitor.Alert;
import io.projhub.monitor.AlertKind;
import io.projhub.monitor.AlertSeverity;
import io.projhub.monitor.AlertStatus;
import io.projhub.monitor.AlertStoreException;
import io.projhub.monitor.AlertTransition;
import io.projhub.monitor.ConsistencyMonitor;
import io.projhub.monitor.ConsistencyStatus;
import io.projhub.monitor.MonitorListener;
import io.projhub.monitor.MonitorSettings;
import io.projhub.monitor.MonitoredReadModel;
import io.projhub.monitor.Notifier;
import io.projhub.monitor.ReadModelConsistency;
import io.projhub.monitor.ReadModelState;
import io.projhub.monitor.Redriver;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The consistency monitor over PostgreSQL (alerts and outbox) and the read models' probes.
 *
 * <p>Threads, all fixed at start: one scheduler (lag rounds, verification ticks, alert evaluation and re-notification,
 * firing stream alert re-checks), {@code probeThreads} for everything that asks a store (probes may block), and one
 * outbox dispatcher. Nothing is started per tracked write or per alert.
 *
 * <p>What survives a restart: alerts and the outbox (PostgreSQL). What does not: pending verifications (memory);
 * a write tracked just before a crash is not verified, but a read model that missed it still shows in its lag.
 *
 * <p>The monitored read models can be replaced while it runs ({@link #replaceReadModels}). The set is one immutable
 * map in a volatile field; every task reads it once (a lag round, a verification tick, a re-check round, a status)
 * and works on that snapshot to the end, and the verifier and the lag meter each swap their own snapshot together
 * with their per-name structures (pending entries and retry counters; figures and gauges). Replacements are
 * serialized by the write side of {@code replaceLock}; raising a stream alert takes its read side and raises only
 * for a read model still monitored, so once a replacement returned no stream alert of a removed read model can be
 * raised any more, and the removed read models' firing stream alerts are resolved for good.
 */
public final class PostgresConsistencyMonitor implements ConsistencyMonitor {

    private static final Logger log = LoggerFactory.getLogger(PostgresConsistencyMonitor.class);
    private static final int MAX_LIST = 1000;
    private static final int RENOTIFY_BATCH = 100;
    private static final int RECHECK_BATCH = 200;
    private static final int RESOLVE_REMOVED_BATCHES = 10;

    private final EventStore store;
    /** Immutable snapshot, replaced whole under the write lock of {@code replaceLock}; tasks read it once. */
    private volatile Map<String, MonitoredReadModel> readModels;
    /**
     * Write side: one replacement at a time. Read side: raising a stream alert, and resolving the firing stream
     * alerts of removed read models; so neither interleaves with a replacement.
     */
    private final ReentrantReadWriteLock replaceLock = new ReentrantReadWriteLock();
    /** Removed read models whose firing stream alerts are still to be resolved (the alert store failed). */
    private final Set<String> removedToResolve = ConcurrentHashMap.newKeySet();
    private final Supplier<SubscriberStatus> subscriber;
    private static final String DRIFT = ":drift";
    private static final String DRIFT_UNREPAIRED = ":drift-unrepaired";

    private final List<String> notifierNames;
    private final MonitorSettings settings;
    private final MonitorListener listener;
    private final PostgresAlerts alerts;
    private final OutboxDispatcher dispatcher;
    private final WriteVerifier verifier;
    private final LagMeter lag;
    private final Redrives redrives;
    private final Counter alertsRaised;
    private final ScheduledExecutorService scheduler;
    private final ThreadPoolExecutor probes;
    private final AtomicBoolean recheckRunning = new AtomicBoolean();
    private final Set<String> knownLanes = Collections.synchronizedSet(new LinkedHashSet<>());
    private SubscriberHealth health;
    private boolean started;
    private boolean closed;

    /**
     * @param dataSource the hub's PostgreSQL (migrated, so {@code alerts} and {@code alert_outbox} exist)
     * @param store      the event store, for the log head and lag
     * @param readModels the read models switched on, each with its probe and event types (unique names)
     * @param subscriber the subscriber's status, for lane, frontier and poller alerts; null when the hub runs none
     *                   (then those alerts are neither raised, resolved nor re-notified by this monitor)
     * @param redriver   asks a lane to re-drive a stream ({@code ProjectionSubscriber::redrive}); {@link Redriver#NONE}
     * @param notifiers  where alert transitions go (unique names); each transition becomes one outbox row per notifier
     * @param settings   validated settings; the outbox lease must be longer than every notifier's timeout
     * @param registry   receives the {@code projhub_read_model_*}, {@code projhub_verifications_*} and
     *                   {@code projhub_alert*} meters
     * @param listener   observes checks, re-drives and alert transitions; {@link MonitorListener#NONE}
     */
    public PostgresConsistencyMonitor(DataSource dataSource, EventStore store, List<MonitoredReadModel> readModels,
                                      Supplier<SubscriberStatus> subscriber, Redriver redriver,
                                      List<Notifier> notifiers, MonitorSettings settings, MeterRegistry registry,
                                      MonitorListener listener) {
        Objects.requireNonNull(dataSource, "dataSource");
        this.store = Objects.requireNonNull(store, "store");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.listener = listener == null ? MonitorListener.NONE : listener;
        this.subscriber = subscriber;
        this.readModels = byName(readModels);
        Map<String, Notifier> notifierByName = new LinkedHashMap<>();
        for (Notifier notifier : notifiers) {
            if (notifierByName.put(notifier.name(), notifier) != null) {
                throw new IllegalArgumentException("monitor: two notifiers are named " + notifier.name());
            }
            if (notifier.timeout().compareTo(settings.outbox().lease()) >= 0) {
                throw new IllegalArgumentException("monitor: the outbox lease (" + settings.outbox().lease()
                        + ") must be longer than the timeout of notifier " + notifier.name() + " ("
                        + notifier.timeout() + ")");
            }
        }
        this.notifierNames = List.copyOf(notifierByName.keySet());
        JsonMapper json = MonitorJson.mapper();
        this.alerts = new PostgresAlerts(dataSource, json);
        this.dispatcher = new OutboxDispatcher(new PostgresOutbox(dataSource), List.copyOf(notifierByName.values()),
                settings.outbox(), json, registry);
        this.redrives = new Redrives(redriver == null ? Redriver.NONE : redriver, this.listener);
        this.probes = new ThreadPoolExecutor(settings.probeThreads(), settings.probeThreads(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), threads("consistency-probe"));
        this.scheduler = new ScheduledThreadPoolExecutor(1, threads("consistency-monitor"));
        this.verifier = new WriteVerifier(this.readModels, subscriber, settings.verification(), probes, redrives, this.listener,
                this::raiseStreamBehind, registry);
        this.lag = new LagMeter(store, this.readModels, registry);
        this.alertsRaised = Counter.builder("projhub_alerts_raised").description("Alerts raised")
                .register(registry);
    }

    /** An immutable map by name, in the given order. */
    private static Map<String, MonitoredReadModel> byName(List<MonitoredReadModel> readModels) {
        Objects.requireNonNull(readModels, "readModels");
        Map<String, MonitoredReadModel> byName = new LinkedHashMap<>();
        for (MonitoredReadModel readModel : readModels) {
            Objects.requireNonNull(readModel, "readModels contains null");
            if (byName.put(readModel.name(), readModel) != null) {
                throw new IllegalArgumentException("monitor: two read models are named " + readModel.name());
            }
        }
        return Collections.unmodifiableMap(byName);
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("monitor: closed; build a new one");
        }
        if (started) {
            return;
        }
        started = true;
        health = new SubscriberHealth(settings.alerts(), Instant.now());
        long lagEvery = settings.lagInterval().toMillis();
        long tick = settings.verification().tick().toMillis();
        long evaluateEvery = settings.alerts().evaluationInterval().toMillis();
        long recheckEvery = settings.alerts().recheckInterval().toMillis();
        scheduler.scheduleWithFixedDelay(guarded("lag", () -> lag.measureAll(probes)), 0, lagEvery,
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(guarded("verify", verifier::dispatchDue), tick, tick, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(guarded("evaluate", this::evaluateAlerts), 0, evaluateEvery,
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(guarded("recheck", this::startRecheck), recheckEvery, recheckEvery,
                TimeUnit.MILLISECONDS);
        dispatcher.start();
        log.info("monitor event=started read_models={} notifiers={} subscriber={}", readModels.keySet(),
                notifierNames, subscriber != null);
    }

    private static Runnable guarded(String task, Runnable body) {
        return () -> {
            try {
                body.run();
            } catch (RuntimeException e) {
                log.warn("monitor event=task-failed task={} error=\"{}\"", task, Errors.describe(e));
            }
        };
    }

    @Override
    public void track(AppendResult result, Set<String> eventTypes) {
        verifier.track(result, eventTypes);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: a read model is the same one if its name is; one whose {@link MonitoredReadModel} changed (new probe
     * or event types) keeps its pending verifications (checked with the new probe from their next check), figures,
     * retry counter and gauges. A removed one loses its pending verifications (not counted as dropped), figures,
     * retry counter and its {@code projhub_read_model_*} gauges (removed from the registry), no longer has its lag
     * measured, its writes verified, its stream alerts raised or re-checked; its firing {@code STREAM_BEHIND}
     * alerts are resolved as "read model removed" (their RESOLVED notification goes out like any other): nothing
     * would ever re-check them, so left firing they would page forever (or until some operator resolves them by
     * hand). Its lane alerts (stalled, dead letters, checkpoint not in the log) are left: they describe the
     * subscriber's lane, not this set, and are raised and resolved from the subscriber's status as before. If the
     * alert store fails, the resolution is retried at each alert evaluation (unless the name is added back
     * meanwhile: then the alerts stay firing and are re-checked as before). A name removed and added again starts
     * afresh. A new read model has its lag measured from the next lag round and is verified for the writes tracked
     * once this returns (a write tracked concurrently may or may not be).
     *
     * <p>Thread-safe; may be called before {@link #start()}. Returns once the set is in force (a verification or
     * lag round already in progress finishes with the set it started with, and a check in flight for a dropped
     * entry does nothing when it returns); it may wait for a stream alert being written to the alert store.
     *
     * @throws NullPointerException     if the list or one of its read models is null
     * @throws IllegalArgumentException if two read models have the same name (nothing is changed then)
     * @throws IllegalStateException    if the monitor is closed
     */
    @Override
    public void replaceReadModels(List<MonitoredReadModel> readModels) {
        Map<String, MonitoredReadModel> next = byName(readModels);
        Set<String> removed = new LinkedHashSet<>();
        Set<String> added = new LinkedHashSet<>();
        replaceLock.writeLock().lock();
        try {
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("monitor: closed; build a new one");
                }
            }
            Map<String, MonitoredReadModel> previous = this.readModels;
            previous.keySet().stream().filter(name -> !next.containsKey(name)).forEach(removed::add);
            next.keySet().stream().filter(name -> !previous.containsKey(name)).forEach(added::add);
            int dropped = verifier.replace(next);
            lag.replace(next);
            this.readModels = next;
            removedToResolve.removeAll(next.keySet()); // added back before its alerts were resolved: they stay
            removedToResolve.addAll(removed);
            log.info("monitor event=read-models-replaced read_models={} added={} removed={} "
                    + "dropped_verifications={}", next.keySet(), added, removed, dropped);
        } finally {
            replaceLock.writeLock().unlock();
        }
        resolveRemoved();
    }

    // ---- alerts ------------------------------------------------------------------------------------------------

    private void raiseStreamBehind(WriteVerifier.StreamBehind missed) throws SQLException {
        replaceLock.readLock().lock();
        try {
            if (!readModels.containsKey(missed.readModel())) {
                // removed while its last check ran: its alerts are resolved, not raised
                log.info("monitor event=raise-skipped read_model={} stream={} reason=\"read model removed\"",
                        missed.readModel(), missed.streamId());
                return;
            }
            raiseStreamBehindLocked(missed);
        } finally {
            replaceLock.readLock().unlock();
        }
    }

    private void raiseStreamBehindLocked(WriteVerifier.StreamBehind missed) throws SQLException {
        ObjectNode details = MonitorJson.object();
        details.put("readModel", missed.readModel());
        details.put("streamId", missed.streamId());
        details.put("expectedVersion", missed.expectedVersion());
        if (missed.appliedVersion() >= 0) {
            details.put("appliedVersion", missed.appliedVersion());
        } else {
            details.putNull("appliedVersion");
        }
        details.put("attempts", missed.attempts());
        details.put("lastError", missed.lastError());
        details.put("position", missed.position() == null ? null : missed.position().token());
        details.put("firstTrackedAt", missed.firstTrackedAt().toString());
        String applied = missed.appliedVersion() >= 0 ? "version " + missed.appliedVersion()
                : "unknown: " + missed.lastError();
        String summary = String.format(Locale.ROOT,
                "Read model %s has not applied stream %s version %d after %d checks (applied: %s)",
                missed.readModel(), missed.streamId(), missed.expectedVersion(), missed.attempts(), applied);
        raise(new AlertDraft(missed.readModel() + ":" + missed.streamId(), AlertKind.STREAM_BEHIND,
                missed.readModel(), missed.streamId(), missed.expectedVersion(), AlertKind.STREAM_BEHIND.severity(),
                summary, details));
    }

    @Override
    public void raiseDrift(String readModel, boolean unrepaired, String summary, Map<String, Object> details) {
        ObjectNode node = MonitorJson.mapper().valueToTree(details);
        AlertSeverity severity = unrepaired ? AlertSeverity.CRITICAL : AlertKind.DRIFT.severity();
        try {
            raise(new AlertDraft(readModel + (unrepaired ? DRIFT_UNREPAIRED : DRIFT), AlertKind.DRIFT, readModel, null,
                    null, severity, summary, node));
        } catch (SQLException e) {
            throw new AlertStoreException("Raising the drift alert of " + readModel + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void resolveDrift(String readModel, String resolution) {
        try {
            resolve(readModel + DRIFT, resolution);
            resolve(readModel + DRIFT_UNREPAIRED, resolution);
        } catch (SQLException e) {
            throw new AlertStoreException("Resolving the drift alerts of " + readModel + " failed: " + e.getMessage(), e);
        }
    }

    private void raise(AlertDraft draft) throws SQLException {
        PostgresAlerts.Raised raised = alerts.raise(draft, notifierNames);
        if (raised.created()) {
            alertsRaised.increment();
            log.warn("alert event=firing id={} key={} kind={} severity={} summary=\"{}\"", raised.alert().id(),
                    draft.key(), draft.kind(), draft.severity(), draft.summary());
            dispatcher.wake();
            Listeners.call(() -> listener.alertChanged(raised.alert(), AlertTransition.FIRING));
        }
    }

    private void resolve(String key, String resolution) throws SQLException {
        resolve(key, null, resolution);
    }

    private void resolve(String key, Long seenVersion, String resolution) throws SQLException {
        Optional<Alert> resolved = alerts.resolve(key, seenVersion, resolution, notifierNames);
        if (resolved.isPresent()) {
            log.info("alert event=resolved id={} key={} resolution=\"{}\"", resolved.get().id(), key, resolution);
            dispatcher.wake();
            Listeners.call(() -> listener.alertChanged(resolved.get(), AlertTransition.RESOLVED));
        }
    }

    /**
     * Resolves the firing stream alerts of the read models removed from the set, as "read model removed"; a name
     * whose alerts could not all be resolved stays to be tried again at the next evaluation.
     */
    private void resolveRemoved() {
        if (removedToResolve.isEmpty()) {
            return;
        }
        replaceLock.readLock().lock();
        try {
            for (String name : List.copyOf(removedToResolve)) {
                if (readModels.containsKey(name)) { // cannot happen under the read lock; kept as a guard
                    removedToResolve.remove(name);
                    continue;
                }
                try {
                    // Bounded per call (another hub still monitoring the name could keep raising): what is left
                    // waits for the next evaluation.
                    for (int batch = 0; batch < RESOLVE_REMOVED_BATCHES; batch++) {
                        List<PostgresAlerts.FiringStreamAlert> firing = alerts.firingStreamAlerts(List.of(name),
                                RECHECK_BATCH);
                        if (firing.isEmpty()) {
                            removedToResolve.remove(name);
                            break;
                        }
                        for (PostgresAlerts.FiringStreamAlert alert : firing) {
                            resolve(alert.key(), "read model " + name + " removed from the monitored read models");
                        }
                    }
                } catch (SQLException | RuntimeException e) {
                    log.warn("monitor event=resolve-removed-failed read_model={} error=\"{}\"", name,
                            Errors.describe(e));
                }
            }
        } finally {
            replaceLock.readLock().unlock();
        }
    }

    /**
     * The firing stream alerts of removed read models still to be resolved, lane and hub alerts from the
     * subscriber's status, then the re-notifications that are due.
     */
    private void evaluateAlerts() {
        resolveRemoved();
        if (subscriber != null) {
            try {
                evaluateSubscriber();
            } catch (SQLException | RuntimeException e) {
                log.warn("monitor event=evaluate-failed error=\"{}\"", Errors.describe(e));
            }
        }
        try {
            renotify();
        } catch (SQLException | RuntimeException e) {
            log.warn("monitor event=renotify-failed error=\"{}\"", Errors.describe(e));
        }
    }

    private void evaluateSubscriber() throws SQLException {
        SubscriberStatus status = subscriber.get();
        if (status == null) {
            return;
        }
        status.lanes().forEach(lane -> knownLanes.add(lane.name()));
        List<SubscriberHealth.Condition> conditions = health.evaluate(status, Instant.now());
        List<String> decided = new ArrayList<>();
        for (SubscriberHealth.Condition condition : conditions) {
            if (condition.state() != SubscriberHealth.State.UNKNOWN) {
                decided.add(condition.key());
            }
        }
        Set<String> firing = alerts.firingKeys(decided);
        for (SubscriberHealth.Condition condition : conditions) {
            boolean isFiring = firing.contains(condition.key());
            try {
                if (condition.state() == SubscriberHealth.State.ACTIVE && !isFiring) {
                    raise(condition.draft());
                } else if (condition.state() == SubscriberHealth.State.CLEAR && isFiring) {
                    resolve(condition.key(), condition.resolution());
                }
            } catch (SQLException | RuntimeException e) {
                // One condition that cannot be recorded must not keep the others from being raised or resolved.
                log.warn("monitor event=condition-failed key={} error=\"{}\"", condition.key(), Errors.describe(e));
            }
        }
    }

    private void renotify() throws SQLException {
        Set<String> scope = new LinkedHashSet<>(readModels.keySet()); // one snapshot
        synchronized (knownLanes) {
            scope.addAll(knownLanes);
        }
        List<Alert> due = alerts.renotifyDue(settings.alerts().renotifyInterval(), scope, subscriber != null,
                notifierNames, RENOTIFY_BATCH);
        if (due.isEmpty()) {
            return;
        }
        dispatcher.wake();
        for (Alert alert : due) {
            log.warn("alert event=renotify id={} key={} notifications={} summary=\"{}\"", alert.id(), alert.key(),
                    alert.notifications(), alert.summary());
            Listeners.call(() -> listener.alertChanged(alert, AlertTransition.RENOTIFY));
        }
    }

    private void startRecheck() {
        Map<String, MonitoredReadModel> current = readModels;
        if (current.isEmpty() || !recheckRunning.compareAndSet(false, true)) {
            return;
        }
        try {
            probes.execute(() -> {
                try {
                    recheckFiringStreams(current);
                } catch (SQLException | RuntimeException e) {
                    log.warn("monitor event=recheck-failed error=\"{}\"", Errors.describe(e));
                } finally {
                    recheckRunning.set(false);
                }
            });
        } catch (RuntimeException e) {
            recheckRunning.set(false);
        }
    }

    /**
     * Each firing stream alert of these read models (the set when the round started): resolved once its read model
     * has the version, else re-driven again.
     */
    private void recheckFiringStreams(Map<String, MonitoredReadModel> readModels) throws SQLException {
        for (PostgresAlerts.FiringStreamAlert firing : alerts.firingStreamAlerts(readModels.keySet(), RECHECK_BATCH)) {
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            MonitoredReadModel readModel = readModels.get(firing.readModel());
            long applied;
            try {
                applied = readModel.probe().appliedVersion(firing.streamId());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                alerts.touch(firing.id());
                continue;
            }
            if (applied >= firing.expectedVersion()) {
                resolve(firing.key(), applied, "read model " + firing.readModel() + " applied version " + applied
                        + " of stream " + firing.streamId());
            } else {
                alerts.touch(firing.id());
                redrives.request(firing.readModel(), firing.streamId(), 0);
            }
        }
    }

    // ---- queries -----------------------------------------------------------------------------------------------

    @Override
    public ConsistencyStatus status() {
        Map<String, LaneStatus> lanes = new HashMap<>();
        if (subscriber != null) {
            try {
                SubscriberStatus status = subscriber.get();
                if (status != null) {
                    status.lanes().forEach(lane -> lanes.put(lane.name(), lane));
                }
            } catch (RuntimeException e) {
                log.debug("monitor event=subscriber-status-failed error=\"{}\"", Errors.describe(e));
            }
        }
        List<ReadModelConsistency> list = new ArrayList<>();
        for (String name : readModels.keySet()) { // one snapshot; figures of a name removed meanwhile are NONE
            LagMeter.Measurement m = lag.measurement(name);
            LaneStatus lane = lanes.get(name);
            ReadModelState state;
            if (m.error() != null) {
                state = ReadModelState.UNREACHABLE;
            } else if (lane != null && lane.state() != null) {
                state = laneState(lane);
            } else {
                state = ReadModelState.UNKNOWN;
            }
            list.add(new ReadModelConsistency(name, state, m.checkpoint() == null ? null : m.checkpoint().token(),
                    m.lagEvents(), m.lagSeconds(), lane == null ? null : lane.lastAppliedAt(), verifier.pending(name),
                    verifier.retries(name), m.measuredAt(), m.error()));
        }
        Optional<LogHead> head = lag.head();
        return new ConsistencyStatus(head.map(h -> h.position().token()).orElse(null),
                head.map(LogHead::recordedAt).orElse(null), lag.headMeasuredAt(), List.copyOf(list),
                verifier.pending(), verifier.dropped());
    }

    private static ReadModelState laneState(LaneStatus lane) {
        try {
            return ReadModelState.valueOf(lane.state().name());
        } catch (IllegalArgumentException e) {
            return ReadModelState.UNKNOWN; // a lane state this module does not know yet
        }
    }

    @Override
    public List<Alert> alerts(Optional<AlertStatus> status, int limit) {
        if (limit < 1 || limit > MAX_LIST) {
            throw new IllegalArgumentException("limit must be in 1.." + MAX_LIST);
        }
        try {
            return alerts.list(status == null ? Optional.empty() : status, limit);
        } catch (SQLException e) {
            throw new AlertStoreException("Reading alerts failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Alert> alert(long id) {
        try {
            return alerts.find(id);
        } catch (SQLException e) {
            throw new AlertStoreException("Reading alert " + id + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Alert> ack(long id, String by) {
        if (by == null || by.isBlank() || by.length() > 200 || by.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("by must name who acknowledges (1..200 characters, no control characters)");
        }
        try {
            Optional<Alert> acked = alerts.ack(id, by.strip());
            acked.ifPresent(a -> log.info("alert event=acked id={} key={} by=\"{}\"", a.id(), a.key(), a.ackedBy()));
            return acked;
        } catch (SQLException e) {
            throw new AlertStoreException("Acknowledging alert " + id + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public long droppedVerifications() {
        return verifier.dropped();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        Duration timeout = settings.shutdownTimeout();
        scheduler.shutdownNow();
        verifier.close();
        dispatcher.stop(timeout);
        probes.shutdownNow();
        try {
            scheduler.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
            probes.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("monitor event=closed");
    }
}
