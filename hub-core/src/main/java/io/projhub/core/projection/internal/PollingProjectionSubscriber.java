package io.projhub.core.projection.internal;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Gauge;
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
 */
public final class PollingProjectionSubscriber implements ProjectionSubscriber {

    private static final Logger log = LoggerFactory.getLogger(PollingProjectionSubscriber.class);

    private final DataSource dataSource;
    private final EventStore store;
    private final Map<Projector, LaneSettings> projectors;
    private final SubscriberSettings settings;
    private final PostgresDeadLetters deadLetters;
    private final LogStatistics statistics;
    private final LogResequencing logOrigin;
    private final FrontierProbe frontierProbe;
    private final Map<String, LaneMetrics> laneMetrics = new LinkedHashMap<>();
    private final Map<String, Measured> measured = new ConcurrentHashMap<>();

    private volatile Optional<LogHead> head = Optional.empty();
    private volatile FrontierStatus frontier = FrontierStatus.FREE;
    /** The current (or, once closed, the last) run; a closed subscriber can be started again with fresh threads. */
    private volatile Run run;
    private boolean running;
    private volatile String refusedBecause;

    /** One start-to-close of the poller and the lanes. */
    private record Run(GapSafePoller poller, Map<String, ProjectionLane> lanes, List<Thread> threads,
                       ScheduledExecutorService statusThread) {
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
        this.projectors = new LinkedHashMap<>(projectors);
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
        projectors.forEach((projector, lane) -> {
            if (lane.batchSize() > maxRead) {
                throw new IllegalArgumentException("The batch size " + lane.batchSize() + " of read model "
                        + projector.name() + " is above what the event store reads in one query (" + maxRead
                        + "); set projhub.projection.lanes." + projector.name() + ".batch-size (or "
                        + "projhub.projection.defaults.batch-size) to at most " + maxRead);
            }
        });
        for (Projector projector : projectors.keySet()) {
            if (laneMetrics.containsKey(projector.name())) {
                throw new IllegalArgumentException("Two projectors are named " + projector.name());
            }
            laneMetrics.put(projector.name(), new LaneMetrics(registry, projector.name()));
            registerGauges(registry, projector.name());
        }
        this.run = newRun();
        Gauge.builder("projhub_head_position", this, s -> s.head.map(h -> h.position().position()).orElse(0L))
                .description("Position of the newest committed event").register(registry);
        Gauge.builder("projhub_poller_heartbeat_timestamp_seconds", this,
                        s -> s.run.poller().heartbeat() == null ? 0 : s.run.poller().heartbeat().toEpochMilli() / 1000.0)
                .description("When the poller last read the log").register(registry);
        Gauge.builder("projhub_frontier_pinned_seconds", this, s -> s.frontier.pinnedSeconds())
                .description("How long a transaction in flight has held back the gap-safe frontier").register(registry);
    }

    private Run newRun() {
        List<ProjectionLane> laneList = new ArrayList<>();
        GapSafePoller poller = new GapSafePoller(dataSource, store, statistics, laneList, settings);
        Map<String, ProjectionLane> lanes = new LinkedHashMap<>();
        projectors.forEach((projector, laneSettings) -> {
            ProjectionLane lane = new ProjectionLane(projector, laneSettings, store, deadLetters, poller::tail,
                    laneMetrics.get(projector.name()), settings.pollInterval().toMillis());
            lanes.put(projector.name(), lane);
            laneList.add(lane);
        });
        List<Thread> threads = new ArrayList<>();
        threads.add(new Thread(poller, "gap-safe-poller"));
        lanes.values().forEach(lane -> threads.add(new Thread(lane, "lane-" + lane.name())));
        ScheduledExecutorService statusThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "subscriber-status");
            t.setDaemon(true);
            return t;
        });
        return new Run(poller, lanes, threads, statusThread);
    }

    private void registerGauges(MeterRegistry registry, String name) {
        Gauge.builder("projhub_checkpoint_position", this, s -> {
                    LogPosition checkpoint = s.run.lanes().get(name).checkpoint();
                    return checkpoint == null ? 0 : checkpoint.position();
                }).tag("lane", name).register(registry);
        Gauge.builder("projhub_lag_events", this, s -> s.measured(name).lagEvents()).tag("lane", name).register(registry);
        Gauge.builder("projhub_lag_seconds", this, s -> s.measured(name).lagSeconds()).tag("lane", name).register(registry);
        Gauge.builder("projhub_dead_letters", this, s -> s.measured(name).deadLetters()).tag("lane", name)
                .description("Open dead letters: failed events and the events of their streams parked behind them")
                .register(registry);
        Gauge.builder("projhub_checkpoint_not_in_log", this, s -> s.measured(name).checkpointNotInLog() ? 1 : 0)
                .tag("lane", name)
                .description("1 if the read model's checkpoint names an event the log does not hold (store ahead of the log)")
                .register(registry);
        Gauge.builder("projhub_lane_state", this, s -> s.run.lanes().get(name).state().ordinal()).tag("lane", name)
                .description("0 LIVE, 1 CATCHING_UP, 2 RETRYING, 3 STOPPED").register(registry);
    }

    private Measured measured(String lane) {
        return measured.getOrDefault(lane, Measured.NONE);
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        if (run.threads().get(0).getState() != Thread.State.NEW) {
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
        run.threads().forEach(Thread::start);
        long every = settings.statusInterval().toMillis();
        run.statusThread().scheduleWithFixedDelay(this::measure, 0, every, TimeUnit.MILLISECONDS);
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
            for (ProjectionLane lane : run.lanes().values()) {
                LogPosition checkpoint = lane.checkpoint();
                if (checkpoint == null) {
                    measured.put(lane.name(), new Measured(-1, -1, open.getOrDefault(lane.name(), PostgresDeadLetters.OpenCounts.NONE).events(), null, 0,
                            System.nanoTime(), false));
                    continue;
                }
                long lagEvents = currentHead.isEmpty() || checkpoint.compareTo(currentHead.get().position()) >= 0
                        ? 0 : store.countAfter(checkpoint);
                double lagSeconds = lagEvents == 0 ? 0 : lagSeconds(lane, checkpoint, currentHead.get());
                long now = System.nanoTime();
                Measured previous = measured(lane.name());
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
                measured.put(lane.name(), new Measured(lagEvents, lagSeconds, open.getOrDefault(lane.name(), PostgresDeadLetters.OpenCounts.NONE).events(),
                        eta, checkpoint.position(), now, notInLog));
            }
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
            Measured m = measured(lane.name());
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
    public CompletableFuture<Void> rebuild(String laneName) {
        try {
            return lane(laneName).rebuild();
        } catch (IllegalStateException refused) {
            return CompletableFuture.failedFuture(refused);
        }
    }

    /** Stops the poller and the lanes (not the status thread): the log cannot be projected as it is. */
    private void refuse(String reason) {
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
        ProjectionLane lane = run.lanes().get(name);
        if (lane == null) {
            throw new IllegalArgumentException("No lane " + name + " (lanes: " + run.lanes().keySet() + ")");
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
        current.statusThread().shutdownNow();
    }
}
