package io.projhub.core.projection.internal;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogHead;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.postgres.LogResequencing;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.DeadLetter;
import io.projhub.core.projection.DeadLetterConflictException;
import io.projhub.core.projection.FrontierStatus;
import io.projhub.core.projection.LaneSettings;
import io.projhub.core.projection.LaneState;
import io.projhub.core.projection.LaneStatus;
import io.projhub.core.projection.ProjectionSubscriber;
import io.projhub.core.projection.Projector;
import io.projhub.core.projection.SubscriberSettings;
import io.projhub.core.projection.SubscriberStatus;

/**
 * The subscriber: one {@link GapSafePoller} thread, one {@link ProjectionLane} thread per projector, and a
 * status thread that measures head, lag, frontier and dead letters every {@code statusInterval} (so APIs and
 * metrics read cached figures and never query the log themselves).
 *
 * <p>The lanes of a run are an immutable snapshot in a volatile field ({@link Run#lanes}): the poller, the status
 * thread, the gauges and the API calls each read the snapshot once and work on it, so they never lock. Changing the
 * set of lanes ({@link #replaceLanes}) is serialized with {@link #start} and {@link #close} on this object's
 * monitor, builds the new lanes, publishes a new snapshot and only then starts the new lanes and stops the retired
 * ones. Lanes that stay are the same objects before and after: their thread, inbox and checkpoint are untouched,
 * and the poller offers each delivery to the snapshot it reads at that moment.
 */
public final class PollingProjectionSubscriber implements ProjectionSubscriber {

    private static final Logger log = LoggerFactory.getLogger(PollingProjectionSubscriber.class);
    /**
     * Events of full reads the lanes share. Lanes apart by more than this read on their own; 8,000 kept events that
     * rarely served another lane made the lanes' medium-lived garbage (JFR: 20 s of GC pauses in a 70 s all-five run
     * at 8,000 against 16.5 s at 2,000, which still serves lanes that start together and live ones).
     */
    private static final int SHARED_READS = 2_000;

    private final DataSource dataSource;
    private final EventStore store;
    private final MeterRegistry registry;
    /** The lanes {@link #start} runs, in the order they are reported; guarded by this. */
    private Map<Projector, LaneSettings> projectors;
    private final SubscriberSettings settings;
    private final PostgresDeadLetters deadLetters;
    private final LogStatistics statistics;
    private final LogResequencing logOrigin;
    private final FrontierProbe frontierProbe;
    /** Each lane name's meters (its counters and its gauges); guarded by this. */
    private final Map<String, LaneMeters> laneMeters = new LinkedHashMap<>();
    /** Keyed by the lane object: a projector replaced under the same name starts with no measurement. */
    private final Map<ProjectionLane, Measured> measured = new ConcurrentHashMap<>();
    /**
     * The last lane asked to stop under each name (replaced, removed, or closed with its run): a later lane of the
     * same name waits for it to finish its batch in flight before it reads its checkpoint. Guarded by this.
     */
    private final Map<String, ProjectionLane> retired = new HashMap<>();

    private volatile Optional<LogHead> head = Optional.empty();
    private volatile FrontierStatus frontier = FrontierStatus.FREE;
    /** The current (or, once closed, the last) run; a closed subscriber can be started again with fresh threads. */
    private volatile Run run;
    private boolean running;
    private volatile String refusedBecause;

    /** One start-to-close of the poller and the lanes. */
    private final class Run {
        final GapSafePoller poller;
        /** The lanes' reads of the log, shared between them (see {@link SharedLogReads}). */
        final SharedLogReads laneReads = new SharedLogReads(store, SHARED_READS);
        final ScheduledExecutorService statusThread;
        /** The lanes now, by name, in reporting order: an unmodifiable snapshot, replaced whole. */
        volatile Map<String, ProjectionLane> lanes = Map.of();
        /** Whether its threads were started (threads cannot be started twice); guarded by the subscriber. */
        boolean started;

        Run() {
            this.poller = new GapSafePoller(dataSource, store, statistics, () -> lanes.values(), settings);
            this.statusThread = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "subscriber-status");
                t.setDaemon(true);
                return t;
            });
        }

        Map<String, ProjectionLane> lanes() {
            return lanes;
        }

        GapSafePoller poller() {
            return poller;
        }

        ScheduledExecutorService statusThread() {
            return statusThread;
        }
    }

    /** A lane name's meters: counters and gauges, removed from the registry together. */
    private record LaneMeters(LaneMetrics counters, List<Meter> gauges) {
    }

    /** What the status thread last measured for a lane. */
    private record Measured(long lagEvents, double lagSeconds, long deadLetters, Double etaSeconds,
                            long checkpointPosition, long atNanos, boolean checkpointNotInLog) {
        static final Measured NONE = new Measured(0, 0, 0, null, 0, 0, false);
    }

    /**
     * @param projectors each projector with its lane's settings, in the order lanes are reported
     */
    public PollingProjectionSubscriber(DataSource dataSource, EventStore store, Map<Projector, LaneSettings> projectors,
                                       SubscriberSettings settings, MeterRegistry registry) {
        this.dataSource = dataSource;
        this.store = store;
        this.registry = registry;
        this.settings = settings;
        this.deadLetters = new PostgresDeadLetters(dataSource);
        this.statistics = new LogStatistics(dataSource);
        this.logOrigin = new LogResequencing(dataSource);
        this.frontierProbe = new FrontierProbe(dataSource, settings.frontierPinnedAfter());
        int maxRead = store.maxReadAllLimit();
        if (settings.pollBatchSize() > maxRead) {
            throw new IllegalArgumentException("The poll batch size " + settings.pollBatchSize()
                    + " is above what the event store reads in one query (" + maxRead
                    + "); set projhub.projection.poll-batch-size to at most " + maxRead);
        }
        this.projectors = validated(projectors);
        this.projectors.keySet().forEach(projector -> addMeters(projector.name()));
        this.run = newRun();
        Gauge.builder("projhub_head_position", this, s -> s.head.map(h -> h.position().position()).orElse(0L))
                .description("Position of the newest committed event").register(registry);
        Gauge.builder("projhub_poller_heartbeat_timestamp_seconds", this,
                        s -> s.run.poller().heartbeat() == null ? 0 : s.run.poller().heartbeat().toEpochMilli() / 1000.0)
                .description("When the poller last read the log").register(registry);
        Gauge.builder("projhub_frontier_pinned_seconds", this, s -> s.frontier.pinnedSeconds())
                .description("How long a transaction in flight has held back the gap-safe frontier").register(registry);
    }

    /**
     * A copy of {@code projectors} once every lane setting is one this subscriber can run (a batch the event store
     * reads in one query, one projector per name).
     *
     * @throws IllegalArgumentException naming the setting to change
     */
    private Map<Projector, LaneSettings> validated(Map<Projector, LaneSettings> projectors) {
        int maxRead = store.maxReadAllLimit();
        Map<Projector, LaneSettings> copy = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        projectors.forEach((projector, lane) -> {
            if (projector == null || lane == null) {
                throw new IllegalArgumentException("A lane needs a projector and its settings (got " + projector
                        + " with " + lane + ")");
            }
            if (lane.batchSize() > maxRead) {
                throw new IllegalArgumentException("The batch size " + lane.batchSize() + " of read model "
                        + projector.name() + " is above what the event store reads in one query (" + maxRead
                        + "); set projhub.projection.lanes." + projector.name() + ".batch-size (or "
                        + "projhub.projection.defaults.batch-size) to at most " + maxRead);
            }
            if (!names.add(projector.name())) {
                throw new IllegalArgumentException("Two projectors are named " + projector.name());
            }
            copy.put(projector, lane);
        });
        return copy;
    }

    /** A run of the configured lanes, not started. Each lane waits for the one retired under its name, if any. */
    private Run newRun() {
        Run fresh = new Run();
        Map<String, ProjectionLane> lanes = new LinkedHashMap<>();
        projectors.forEach((projector, laneSettings) -> lanes.put(projector.name(), newLane(fresh, projector, laneSettings)));
        fresh.lanes = Collections.unmodifiableMap(lanes);
        return fresh;
    }

    private ProjectionLane newLane(Run owner, Projector projector, LaneSettings laneSettings) {
        ProjectionLane lane = new ProjectionLane(projector, laneSettings, owner.laneReads, deadLetters,
                owner.poller()::tail, laneMeters.get(projector.name()).counters(), settings.pollInterval().toMillis());
        ProjectionLane previous = retired.get(projector.name());
        if (previous != null) {
            lane.runAfter(previous);
        }
        return lane;
    }

    private static Thread threadOf(ProjectionLane lane) {
        return new Thread(lane, "lane-" + lane.name());
    }

    /** Registers a lane name's counters and gauges (a name removed before gets fresh ones). */
    private void addMeters(String name) {
        laneMeters.put(name, new LaneMeters(new LaneMetrics(registry, name), registerGauges(registry, name)));
    }

    private void removeMeters(String name) {
        LaneMeters meters = laneMeters.remove(name);
        if (meters != null) {
            meters.counters().meters().forEach(registry::remove);
            meters.gauges().forEach(registry::remove);
        }
    }

    private List<Meter> registerGauges(MeterRegistry registry, String name) {
        List<Meter> gauges = new ArrayList<>();
        gauges.add(Gauge.builder("projhub_checkpoint_position", this, s -> {
                    ProjectionLane lane = s.run.lanes().get(name);
                    LogPosition checkpoint = lane == null ? null : lane.checkpoint();
                    return checkpoint == null ? 0 : checkpoint.position();
                }).tag("lane", name).register(registry));
        gauges.add(Gauge.builder("projhub_lag_events", this, s -> s.measured(name).lagEvents()).tag("lane", name)
                .register(registry));
        gauges.add(Gauge.builder("projhub_lag_seconds", this, s -> s.measured(name).lagSeconds()).tag("lane", name)
                .register(registry));
        gauges.add(Gauge.builder("projhub_dead_letters", this, s -> s.measured(name).deadLetters()).tag("lane", name)
                .description("Open dead letters: failed events and the events of their streams parked behind them")
                .register(registry));
        gauges.add(Gauge.builder("projhub_checkpoint_not_in_log", this, s -> s.measured(name).checkpointNotInLog() ? 1 : 0)
                .tag("lane", name)
                .description("1 if the read model's checkpoint names an event the log does not hold (store ahead of the log)")
                .register(registry));
        gauges.add(Gauge.builder("projhub_lane_state", this, s -> {
                    ProjectionLane lane = s.run.lanes().get(name);
                    return (lane == null ? LaneState.STOPPED : lane.state()).ordinal();
                }).tag("lane", name)
                .description("0 LIVE, 1 CATCHING_UP, 2 RETRYING, 3 STOPPED").register(registry));
        return gauges;
    }

    private Measured measured(String name) {
        ProjectionLane lane = run.lanes().get(name);
        return lane == null ? Measured.NONE : measured(lane);
    }

    private Measured measured(ProjectionLane lane) {
        return measured.getOrDefault(lane, Measured.NONE);
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        if (run.started) {
            run = newRun(); // started and closed before: threads cannot be started twice
        }
        try {
            refusedBecause = logOrigin.foreignTransactionIds().orElse(null);
        } catch (SQLException e) {
            log.warn("subscriber event=log-origin-unchecked error=\"{}\"", e.toString());
        }
        if (refusedBecause != null) {
            log.error("subscriber event=refused-to-project reason=\"{}\"", refusedBecause);
            return;
        }
        running = true;
        run.started = true;
        new Thread(run.poller(), "gap-safe-poller").start();
        run.lanes().values().forEach(lane -> threadOf(lane).start());
        long every = settings.statusInterval().toMillis();
        run.statusThread().scheduleWithFixedDelay(this::measure, 0, every, TimeUnit.MILLISECONDS);
    }

    /**
     * {@inheritDoc}
     *
     * <p>How: under this object's monitor (one change, start or close at a time), the new settings are validated
     * first (nothing changes if one is refused). Then the new snapshot of lanes is published: kept lanes are the same
     * objects, new and replaced names get new lane objects. Only after that are the retired lanes (removed, or
     * replaced by another projector instance) asked to stop and the new ones started, so the poller, which reads the
     * snapshot once per delivery, never offers to a lane that is not in it. A new lane reads its checkpoint and then
     * reads the log by itself until it reaches the poller's tail (the poller moves its tail before offering a
     * delivery, so whatever a new lane was not offered it reads from the log). A replacement waits, on its own
     * thread, for the lane it replaces to finish its batch in flight before it reads the checkpoint, so two lanes
     * never write one read model at once, even if the old one outlives the wait below. This call then waits (at most
     * the shutdown timeout) for the retired lanes to stop, so that once it returns they normally report nothing more.
     *
     * <p>A kept lane keeps its settings: a changed {@link LaneSettings} for the same projector instance is recorded
     * for the next {@link #start} but does not restart the lane (pass a new projector instance to restart it).
     * A removed name keeps its dead letters in the table; its counters and gauges leave the registry.
     *
     * <p>Not started (or closed): only what {@link #start} will run changes (and what status() reports).
     *
     * @throws IllegalArgumentException if a lane's settings cannot be run (nothing is changed)
     */
    @Override
    public synchronized void replaceLanes(Map<Projector, LaneSettings> newProjectors) {
        Map<Projector, LaneSettings> wanted = validated(newProjectors);
        Set<String> wantedNames = new HashSet<>();
        wanted.keySet().forEach(projector -> wantedNames.add(projector.name()));
        Run current = run;
        Map<String, ProjectionLane> before = current.lanes();
        Map<Projector, LaneSettings> previousProjectors = projectors;
        projectors = wanted;
        Set<String> previousNames = new HashSet<>();
        previousProjectors.keySet().forEach(projector -> previousNames.add(projector.name()));
        for (String name : previousNames) {
            if (!wantedNames.contains(name)) {
                removeMeters(name);
            }
        }
        for (String name : wantedNames) {
            if (!laneMeters.containsKey(name)) {
                addMeters(name);
            }
        }
        if (!running) {
            // Nothing runs: the next start() runs the new set (a closed run's lanes are already retired).
            current.statusThread().shutdownNow();
            run = newRun();
            before.values().forEach(measured::remove);
            log.info("subscriber event=lanes-replaced running=false lanes={}", run.lanes().keySet());
            return;
        }
        Map<String, ProjectionLane> after = new LinkedHashMap<>();
        List<ProjectionLane> started = new ArrayList<>();
        List<ProjectionLane> stopping = new ArrayList<>();
        wanted.forEach((projector, laneSettings) -> {
            ProjectionLane old = before.get(projector.name());
            if (old != null && old.projector() == projector) {
                after.put(projector.name(), old);
                if (!laneSettings.equals(previousProjectors.get(projector))) {
                    log.info("lane={} event=settings-changed-apply-at-next-start", projector.name());
                }
                return;
            }
            if (old != null) {
                retired.put(old.name(), old); // the replacement waits for it
                stopping.add(old);
            }
            ProjectionLane lane = newLane(current, projector, laneSettings);
            after.put(projector.name(), lane);
            started.add(lane);
        });
        before.forEach((name, lane) -> {
            if (!wantedNames.contains(name)) {
                retired.put(name, lane);
                stopping.add(lane);
            }
        });
        current.lanes = Collections.unmodifiableMap(after);
        stopping.forEach(ProjectionLane::stop);
        stopping.forEach(measured::remove);
        boolean refused = refusedBecause != null;
        for (ProjectionLane lane : started) {
            if (refused) {
                lane.stop(); // the hub does not project: the lane's thread ends at once, STOPPED
            }
            threadOf(lane).start();
        }
        log.info("subscriber event=lanes-replaced running=true lanes={} started={} stopping={}", after.keySet(),
                started.stream().map(ProjectionLane::name).toList(), stopping.stream().map(ProjectionLane::name).toList());
        long deadline = System.currentTimeMillis() + settings.shutdownTimeout().toMillis();
        try {
            for (ProjectionLane lane : stopping) {
                if (!lane.awaitStopped(Math.max(1, deadline - System.currentTimeMillis()))) {
                    log.warn("lane={} event=stop-timeout (its replacement, if any, starts once it has stopped)",
                            lane.name());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        retired.values().removeIf(PollingProjectionSubscriber::isFinished);
    }

    private static boolean isFinished(ProjectionLane lane) {
        try {
            return lane.awaitStopped(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void measure() {
        try {
            // The log restored into another cluster under a running hub (a disaster-recovery switch behind the same
            // address): stop projecting at once, as a start would have refused to.
            Optional<String> foreign = logOrigin.foreignTransactionIds();
            if (foreign.isPresent()) {
                refuse(foreign.get());
                return;
            }
            Optional<LogHead> currentHead = store.head();
            head = currentHead;
            frontier = frontierProbe.probe();
            if (frontier.pinned()) {
                log.warn("subscriber event=frontier-pinned {}", frontier.describe());
            }
            Map<String, PostgresDeadLetters.OpenCounts> open = deadLetters.openCounts();
            Map<String, ProjectionLane> lanes = run.lanes();
            for (ProjectionLane lane : lanes.values()) {
                LogPosition checkpoint = lane.checkpoint();
                if (checkpoint == null) {
                    measured.put(lane, new Measured(-1, -1, open.getOrDefault(lane.name(), PostgresDeadLetters.OpenCounts.NONE).events(), null, 0,
                            System.nanoTime(), false));
                    continue;
                }
                long lagEvents = currentHead.isEmpty() || checkpoint.compareTo(currentHead.get().position()) >= 0
                        ? 0 : store.countAfter(checkpoint);
                double lagSeconds = lagEvents == 0 ? 0 : lagSeconds(lane, checkpoint, currentHead.get());
                long now = System.nanoTime();
                Measured previous = measured(lane);
                Double eta = null;
                double elapsed = (now - previous.atNanos()) / 1e9;
                // Pace from the checkpoint's progress in log positions (about one per event) since the last measure.
                if (lagEvents > 0 && previous.atNanos() > 0 && elapsed > 0) {
                    double pace = (checkpoint.position() - previous.checkpointPosition()) / elapsed;
                    if (pace > 0) {
                        eta = lagEvents / pace;
                    }
                }
                boolean notInLog = !statistics.contains(checkpoint);
                if (notInLog && !previous.checkpointNotInLog()) {
                    log.error("lane={} event=checkpoint-not-in-log checkpoint={} head={}", lane.name(),
                            checkpoint.token(), currentHead.map(h -> h.position().token()).orElse("none"));
                }
                measured.put(lane, new Measured(lagEvents, lagSeconds, open.getOrDefault(lane.name(), PostgresDeadLetters.OpenCounts.NONE).events(),
                        eta, checkpoint.position(), now, notInLog));
            }
            // Only this thread adds measurements: forget those of lanes replaced or removed meanwhile.
            measured.keySet().retainAll(run.lanes().values());
        } catch (SQLException | RuntimeException e) {
            log.warn("subscriber event=measure-failed error=\"{}\"", e.toString());
        }
    }

    private double lagSeconds(ProjectionLane lane, LogPosition checkpoint, LogHead head) throws SQLException {
        Instant at = lane.checkpointRecordedAt();
        if (at == null) {
            at = checkpoint.position() == 0 ? null : statistics.recordedAt(checkpoint.position()).orElse(null);
        }
        if (at == null) {
            // Nothing applied yet: as old as the oldest event the lane has still to apply.
            List<RecordedEvent> first = store.readAll(checkpoint, 1);
            at = first.isEmpty() ? head.recordedAt() : first.get(0).recordedAt();
        }
        return Math.max(0, Duration.between(at, head.recordedAt()).toMillis() / 1000.0);
    }

    @Override
    public SubscriberStatus status() {
        Optional<LogHead> currentHead = head;
        LogPosition headPosition = currentHead.map(LogHead::position).orElse(LogPosition.START);
        FrontierStatus currentFrontier = frontier;
        List<LaneStatus> statuses = new ArrayList<>();
        Run current = run;
        for (ProjectionLane lane : current.lanes().values()) {
            Measured m = measured(lane);
            String refusal = refusedBecause;
            String stalledBy = refusal != null ? refusal
                    : currentFrontier.pinned() && lane.state() != LaneState.STOPPED ? currentFrontier.describe() : null;
            statuses.add(new LaneStatus(lane.name(), refusal != null ? LaneState.STOPPED : lane.state(), lane.checkpoint(), headPosition, m.lagEvents(),
                    m.lagSeconds(), lane.lastAppliedAt(), lane.applied(), lane.lastError(), lane.retries(),
                    m.deadLetters(), lane.parkedStreamCount(), lane.streamGaps(), stalledBy, m.etaSeconds(),
                    m.checkpointNotInLog()));
        }
        return new SubscriberStatus(headPosition, currentHead.map(LogHead::recordedAt).orElse(null),
                current.poller().heartbeat(), currentFrontier, List.copyOf(statuses), refusedBecause);
    }

    @Override
    public List<DeadLetter> deadLetters(String lane, String streamId, String status, int limit) {
        try {
            return deadLetters.list(lane, streamId, status, limit);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read dead letters: " + e.getMessage(), e);
        }
    }

    @Override
    public CompletableFuture<DeadLetter> replayDeadLetter(long id) {
        return resolveChain(id, ProjectionLane.Resolution.REPLAY);
    }

    @Override
    public CompletableFuture<DeadLetter> skipDeadLetter(long id, String reason, String by) {
        return resolveChain(id, new ProjectionLane.Resolution(true, reason, by));
    }

    private CompletableFuture<DeadLetter> resolveChain(long id, ProjectionLane.Resolution how) {
        DeadLetter letter;
        try {
            letter = deadLetters.find(id).orElseThrow(() -> new IllegalArgumentException("No dead letter " + id));
        } catch (SQLException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (!letter.open()) {
            return CompletableFuture.failedFuture(
                    new DeadLetterConflictException("dead letter " + id + " is already " + letter.status()));
        }
        ProjectionLane lane;
        try {
            lane = lane(letter.lane());
        } catch (IllegalStateException refused) {
            return CompletableFuture.failedFuture(refused);
        }
        return lane.resolveChain(letter.streamId(), id, how).thenApply(resolved -> {
            try {
                log.info("lane={} event=dead-letter-chain-resolved head={} stream={} skipped={} resolved={}",
                        letter.lane(), id, letter.streamId(), how.skipHead(), resolved.size());
                return deadLetters.find(id).orElseThrow();
            } catch (SQLException e) {
                throw new IllegalStateException("Resolved, but could not read dead letter " + id, e);
            }
        });
    }

    @Override
    public boolean parked(String laneName, String streamId) {
        ProjectionLane lane = run.lanes().get(laneName);
        return lane != null && lane.parked(streamId);
    }

    @Override
    public CompletableFuture<Void> redrive(String laneName, String streamId) {
        try {
            return lane(laneName).redrive(streamId);
        } catch (IllegalStateException refused) {
            return CompletableFuture.failedFuture(refused);
        }
    }

    @Override
    public CompletableFuture<Void> rewrite(String laneName, String streamId) {
        try {
            return lane(laneName).rewrite(streamId);
        } catch (IllegalStateException | IllegalArgumentException refused) {
            return CompletableFuture.failedFuture(refused); // stopped, or removed since the caller looked
        }
    }

    @Override
    public CompletableFuture<Void> rebuild(String laneName) {
        try {
            return lane(laneName).rebuild();
        } catch (IllegalStateException refused) {
            return CompletableFuture.failedFuture(refused);
        }
    }

    /**
     * Stops the poller and the lanes (not the status thread): the log cannot be projected as it is. On the monitor,
     * so that lanes a concurrent {@link #replaceLanes} starts are either seen here or see the refusal there.
     */
    private synchronized void refuse(String reason) {
        if (refusedBecause != null) {
            return;
        }
        refusedBecause = reason;
        log.error("subscriber event=refused-to-project reason=\"{}\"", reason);
        Run current = run;
        current.poller().stop();
        current.lanes().values().forEach(ProjectionLane::stop);
    }

    private ProjectionLane lane(String name) {
        String refusal = refusedBecause;
        if (refusal != null) {
            throw new IllegalStateException("The hub does not project: " + refusal);
        }
        Map<String, ProjectionLane> lanes = run.lanes();
        ProjectionLane lane = lanes.get(name);
        if (lane == null) {
            throw new IllegalArgumentException("No lane " + name + " (lanes: " + lanes.keySet() + ")");
        }
        return lane;
    }

    @Override
    public synchronized void close() {
        Run current = run;
        if (!running) {
            current.statusThread().shutdownNow();
            return;
        }
        running = false;
        current.poller().stop();
        current.lanes().values().forEach(ProjectionLane::stop);
        // A lane that outlives the wait below still finishes its batch: the next lane of its name waits for it.
        current.lanes().values().forEach(lane -> retired.put(lane.name(), lane));
        long deadline = System.currentTimeMillis() + settings.shutdownTimeout().toMillis();
        try {
            current.poller().awaitStopped(Math.max(1, deadline - System.currentTimeMillis()));
            for (ProjectionLane lane : current.lanes().values()) {
                if (!lane.awaitStopped(Math.max(1, deadline - System.currentTimeMillis()))) {
                    log.warn("lane={} event=stop-timeout", lane.name());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        retired.values().removeIf(PollingProjectionSubscriber::isFinished);
        current.statusThread().shutdownNow();
    }
}
