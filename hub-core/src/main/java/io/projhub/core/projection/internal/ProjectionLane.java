package io.projhub.core.projection.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.resilience4j.core.IntervalFunction;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.DeadLetter;
import io.projhub.core.projection.DeadLetterConflictException;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.LaneSettings;
import io.projhub.core.projection.LaneState;
import io.projhub.core.projection.PoisonPolicy;
import io.projhub.core.projection.Projector;

/**
 * One read model's lane: its own thread, checkpoint, batch size and retry policy. While caught up it takes what
 * the shared poller delivers; when it has fallen behind (a gap between its position and a delivery, or
 * deliveries dropped because its bounded inbox was full) it reads the log on its own from its checkpoint until
 * it reaches the poller again. So a slow store never holds the others and the hub never buffers without bound.
 *
 * <p>Dead letters are sequenced per stream: once an event of a stream is dead-lettered, the later events of that
 * stream are parked behind it (recorded, not applied) until the head is replayed or skipped, so the store never
 * holds a stream's later state without an earlier event. Other streams go on.
 */
public final class ProjectionLane implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(ProjectionLane.class);
    private static final int ORDER_GUARD_STREAMS = 100_000;
    static final int MAX_REDRIVES = 10_000;
    private static final int REDRIVES_PER_STEP = 50;
    /** A batch is split only into parts of at least this many events: below it a round trip more costs more. */
    static final int MIN_PART_EVENTS = 32;
    private static final int PART_ATTEMPTS = 3;

    private final Projector projector;
    private final Set<String> eventTypes;
    private final LaneSettings settings;
    private final EventStore store;
    private final PostgresDeadLetters deadLetters;
    private final Supplier<LogPosition> pollerTail;
    private final LaneMetrics metrics;
    private final IntervalFunction backoff;
    private final BlockingQueue<Delivery> inbox;
    /** Admin actions to run on the lane's thread between batches; those left when it stops are failed. */
    private final ConcurrentLinkedQueue<Control> controls = new ConcurrentLinkedQueue<>();
    private final StreamOrderGuard orderGuard = new StreamOrderGuard(ORDER_GUARD_STREAMS);
    /** Streams with an open dead-letter chain → the head's version; later versions are parked. Read by queries. */
    private final Map<String, Long> parkedStreams = new ConcurrentHashMap<>();
    /** Streams waiting for a re-drive, oldest first; guarded by itself. */
    /** A stream waiting to be applied again; {@code rewrite}: whatever its version record says (a drift repair). */
    private record Redrive(CompletableFuture<Void> done, boolean rewrite) {
    }

    private final Map<String, Redrive> redrives = new LinkedHashMap<>();
    private boolean redrivesClosed; // guarded by redrives
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final long pollMillis;

    private volatile LaneState state = LaneState.CATCHING_UP;
    private volatile LogPosition checkpoint;
    private volatile Instant checkpointRecordedAt;
    private volatile Instant lastAppliedAt;
    private volatile String lastError;
    private volatile boolean running = true;
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong streamGaps = new AtomicLong();
    private Delivery held;
    /** Threads that write a batch's other parts; created on first use, only the lane's thread touches the field. */
    private ExecutorService partWriters;
    /** The thread that reads the log ahead while the lane is behind; created on first use, as partWriters. */
    private ExecutorService logReader;
    private ReadAhead readAhead;
    /** The lane this one replaces (same read model name), set before the thread starts; see {@link #runAfter}. */
    private volatile ProjectionLane predecessor;

    /**
     * An admin action and the future its caller waits on. Exactly one of the lane (running it) and a stop (failing
     * it) claims it, so an action the caller was told failed never runs afterwards.
     */
    private record Control(Runnable action, CompletableFuture<?> done, AtomicBoolean claimed) {
        boolean claim() {
            return claimed.compareAndSet(false, true);
        }

        void fail(String why) {
            if (claim()) {
                done.completeExceptionally(new IllegalStateException(why));
            }
        }
    }

    public ProjectionLane(Projector projector, LaneSettings settings, EventStore store, PostgresDeadLetters deadLetters,
                          Supplier<LogPosition> pollerTail, LaneMetrics metrics, long pollMillis) {
        this.projector = projector;
        this.eventTypes = Set.copyOf(projector.eventTypes());
        this.settings = settings;
        this.store = store;
        this.deadLetters = deadLetters;
        this.pollerTail = pollerTail;
        this.metrics = metrics;
        this.pollMillis = pollMillis;
        this.inbox = new ArrayBlockingQueue<>(settings.inboxBatches());
        this.backoff = IntervalFunction.ofExponentialRandomBackoff(settings.initialRetryInterval().toMillis(),
                settings.retryMultiplier(), settings.retryJitter(), settings.maxRetryInterval().toMillis());
    }

    public String name() {
        return projector.name();
    }

    Projector projector() {
        return projector;
    }

    /**
     * Makes this lane wait, before it reads its checkpoint, until {@code previous} (an earlier lane of the same read
     * model that was asked to stop) has finished its batch in flight: two lanes never write one read model at once.
     * Call before the lane's thread starts.
     */
    void runAfter(ProjectionLane previous) {
        this.predecessor = previous;
    }

    /** Called by the poller thread; never blocks. A full inbox drops the delivery: the lane reads it itself. */
    void offer(Delivery delivery) {
        if (!inbox.offer(delivery) && state == LaneState.LIVE) {
            state = LaneState.CATCHING_UP;
        }
    }

    @Override
    public void run() {
        Thread.currentThread().setName("lane-" + name());
        try {
            awaitPredecessor();
            checkpoint = loadCheckpoint();
            if (checkpoint == null) {
                return;
            }
            log.info("lane={} event=started checkpoint={}", name(), checkpoint.token());
            while (running) {
                runControls();
                runRedrives(REDRIVES_PER_STEP);
                step();
            }
        } catch (LaneStopped e) {
            log.info("lane={} event=stopped-while-store-unreachable", name());
        } catch (RuntimeException | Error e) {
            lastError = String.valueOf(e);
            log.error("lane={} event=crashed error=\"{}\"", name(), e, e);
        } finally {
            running = false;
            synchronized (redrives) {
                redrivesClosed = true;
                redrives.values().forEach(r -> r.done().completeExceptionally(
                        new IllegalStateException("lane " + name() + " stopped")));
                redrives.clear();
            }
            failControls();
            if (partWriters != null) {
                partWriters.shutdown();
            }
            if (logReader != null) {
                logReader.shutdown();
            }
            state = LaneState.STOPPED;
            finished.countDown();
            log.info("lane={} event=stopped checkpoint={}", name(), checkpoint == null ? "unknown" : checkpoint.token());
        }
    }

    /**
     * Waits for the lane this one replaces to end, even if this one is asked to stop meanwhile (so that a lane
     * stopping counts as "not finished" for as long as the one before it writes): the checkpoint read after it is
     * the one it left.
     */
    private void awaitPredecessor() {
        ProjectionLane previous = predecessor;
        predecessor = null;
        if (previous == null) {
            return;
        }
        try {
            if (!previous.awaitStopped(pollMillis)) {
                log.info("lane={} event=waiting-for-previous-lane", name());
                while (!previous.awaitStopped(1000)) {
                    // its batch in flight is still being written
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private LogPosition loadCheckpoint() {
        for (int attempt = 1; running; attempt++) {
            try {
                LogPosition stored = projector.checkpoint();
                parkedStreams.clear();
                parkedStreams.putAll(deadLetters.openHeads(name()));
                return stored;
            } catch (Exception e) {
                state = LaneState.RETRYING;
                noteFailure(e);
                log.warn("lane={} event=checkpoint-unreadable attempt={} error=\"{}\"", name(), attempt, e.toString());
                pause(backoff.apply(Math.min(attempt, 30)));
            }
        }
        return null;
    }

    /** Gathers up to one batch after the checkpoint (from deliveries, or from the log when behind) and applies it. */
    private void step() {
        List<RecordedEvent> read = new ArrayList<>();
        LogPosition cursor = checkpoint;
        boolean readOwn = false;
        try {
            while (read.size() < settings.batchSize()) {
                Delivery delivery = held != null ? held : inbox.poll();
                held = null;
                if (delivery != null) {
                    if (delivery.to().compareTo(cursor) <= 0) {
                        continue;
                    }
                    if (delivery.from().compareTo(cursor) <= 0) {
                        cursor = take(delivery, cursor, read);
                        continue;
                    }
                    held = delivery; // a gap before it: read the gap from the log first
                }
                if (pollerTail.get().compareTo(cursor) > 0 || held != null) {
                    List<RecordedEvent> own = readLog(cursor, settings.batchSize() - read.size());
                    if (own.isEmpty()) {
                        break;
                    }
                    readOwn = true;
                    read.addAll(own);
                    cursor = own.get(own.size() - 1).logPosition();
                    continue;
                }
                break;
            }
        } catch (RuntimeException e) {
            // The log itself is unreadable (PostgreSQL down): wait and try again, nothing is lost.
            state = LaneState.RETRYING;
            noteFailure(e);
            log.warn("lane={} event=log-unreadable error=\"{}\"", name(), e.toString());
            pause(backoff.apply(3));
            return;
        }
        if (read.isEmpty()) {
            state = LaneState.LIVE;
            waitForDelivery();
            return;
        }
        if (readOwn && state == LaneState.LIVE) {
            state = LaneState.CATCHING_UP;
        }
        LaneState steadyState = readOwn ? LaneState.CATCHING_UP : LaneState.LIVE;
        List<RecordedEvent> handled = guardOrder(read);
        applyWithRetry(handled, cursor, read.get(read.size() - 1).recordedAt(), steadyState);
    }

    /**
     * Reads the log after {@code cursor} (gap-safe, as {@link EventStore#readAll}). A full read means the lane is
     * behind: the next read is started at once on the lane's reader thread, so that it runs while this batch is
     * written, and the next step takes it if it reads from where this one ended. A read ahead is as safe as one made
     * later: it returns only what no transaction in flight can precede when it runs, and the lane goes on from its end.
     */
    private List<RecordedEvent> readLog(LogPosition cursor, int limit) {
        ReadAhead ahead = readAhead;
        readAhead = null;
        List<RecordedEvent> events = null;
        if (ahead != null && ahead.from().equals(cursor) && ahead.limit() == limit) {
            try {
                events = ahead.events().join();
            } catch (RuntimeException e) {
                events = null; // read again below: its failure is the one the step handles
            }
        }
        if (events == null) {
            events = store.readAll(cursor, limit);
        }
        if (events.size() == limit && running) {
            LogPosition next = events.get(events.size() - 1).logPosition();
            try {
                readAhead = new ReadAhead(next, limit,
                        CompletableFuture.supplyAsync(() -> store.readAll(next, limit), logReader()));
            } catch (RejectedExecutionException e) {
                readAhead = null; // stopping
            }
        }
        return events;
    }

    private ExecutorService logReader() {
        if (logReader == null) {
            logReader = daemonThreads(1, "read");
        }
        return logReader;
    }

    /** A pool of {@code count} daemon threads named {@code lane-<name>-<role>-<n>}, for the lane's helpers. */
    private ExecutorService daemonThreads(int count, String role) {
        AtomicInteger number = new AtomicInteger();
        return Executors.newFixedThreadPool(count, runnable -> {
            Thread thread = new Thread(runnable, "lane-" + name() + "-" + role + "-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A read of the log started before the lane asked for it. */
    private record ReadAhead(LogPosition from, int limit, CompletableFuture<List<RecordedEvent>> events) {
    }

    /** Takes a delivery's events after {@code cursor}, up to the batch size; keeps the rest as held. */
    private LogPosition take(Delivery delivery, LogPosition cursor, List<RecordedEvent> read) {
        List<RecordedEvent> events = delivery.events();
        int room = settings.batchSize() - read.size();
        LogPosition at = cursor;
        int i = 0;
        for (; i < events.size(); i++) {
            RecordedEvent e = events.get(i);
            if (e.logPosition().compareTo(at) <= 0) {
                continue;
            }
            if (room == 0) {
                break;
            }
            read.add(e);
            at = e.logPosition();
            room--;
        }
        if (i < events.size()) {
            held = new Delivery(at, delivery.to(), events.subList(i, events.size()));
            return at;
        }
        return delivery.to();
    }

    private List<RecordedEvent> guardOrder(List<RecordedEvent> read) {
        List<RecordedEvent> handled = new ArrayList<>(read.size());
        for (RecordedEvent e : read) {
            if (!eventTypes.contains(e.type())) {
                continue;
            }
            switch (orderGuard.check(e.streamId(), e.version())) {
                case STALE -> {
                    metrics.streamGap();
                    streamGaps.incrementAndGet();
                    log.warn("lane={} event=stale-version-skipped stream={} version={} position={}",
                            name(), e.streamId(), e.version(), e.position());
                    continue;
                }
                case GAP -> {
                    metrics.streamGap();
                    streamGaps.incrementAndGet();
                    log.warn("lane={} event=stream-version-gap stream={} version={} position={}",
                            name(), e.streamId(), e.version(), e.position());
                }
                case IN_ORDER -> {
                }
            }
            orderGuard.passed(e.streamId(), e.version());
            handled.add(e);
        }
        return handled;
    }

    /**
     * Applies the events and moves the checkpoint to {@code to}. A store failure is retried with backoff for as
     * long as it lasts; an event failure is retried {@code maxAttempts} times, then the batch is split in halves
     * until the failing event stands alone, and that one goes to the dead-letter table.
     */
    private void applyWithRetry(List<RecordedEvent> events, LogPosition to, Instant toRecordedAt, LaneState steadyState) {
        events = parkBehindDeadLetters(events);
        for (int attempt = 1; running || attempt == 1; attempt++) {
            try {
                write(events, to);
                advance(to, toRecordedAt, events.size());
                if (state != LaneState.STOPPED) {
                    state = steadyState;
                }
                return;
            } catch (Exception e) {
                noteFailure(e);
                FailureKind kind = projector.classify(e);
                if (kind == FailureKind.PERMANENT && attempt >= settings.maxAttempts()) {
                    log.warn("lane={} event=batch-failed-permanently size={} attempts={} error=\"{}\"",
                            name(), events.size(), attempt, e.toString());
                    isolate(events, to, toRecordedAt, steadyState, e, attempt);
                    return;
                }
                state = LaneState.RETRYING;
                long wait = backoff.apply(Math.min(attempt, 30));
                log.warn("lane={} event=apply-failed kind={} attempt={} size={} retry_in_ms={} error=\"{}\"",
                        name(), kind, attempt, events.size(), wait, e.toString());
                if (!running) {
                    return; // shutting down: the checkpoint stays, the batch is applied again after restart
                }
                pause(wait);
                runRedrives(REDRIVES_PER_STEP);
            }
        }
    }

    /**
     * Applies the events and the checkpoint {@code to}: whole, or, where the settings and the projector allow, in parts
     * written at once ({@link BatchParts}), each part on its own thread (the first on the lane's), then the checkpoint
     * alone once every part is written. A failed part fails the batch after every part has ended (the others stay
     * written: a projector's writes are idempotent, the batch is applied again).
     */
    private void write(List<RecordedEvent> events, LogPosition to) throws Exception {
        int parts = Math.min(settings.partitions(), events.size() / MIN_PART_EVENTS);
        List<List<RecordedEvent>> split = parts < 2 ? List.of() : BatchParts.split(events, projector::partKeys, parts);
        if (split.size() < 2) {
            projector.apply(new EventBatch(events, to));
            return;
        }
        List<Future<?>> others = new ArrayList<>(split.size() - 1);
        for (List<RecordedEvent> part : split.subList(1, split.size())) {
            others.add(partWriters().submit(() -> {
                writePart(part);
                return null;
            }));
        }
        Throwable failure = null;
        try {
            writePart(split.get(0));
        } catch (Exception | Error e) {
            failure = e; // even an Error waits for the other parts below: no part outlives the lane
        }
        boolean interrupted = false;
        for (Future<?> other : others) {
            // every part ends before the lane goes on (or stops): two writers never write this read model at once
            while (true) {
                try {
                    other.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof Exception e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        projector.apply(new EventBatch(List.of(), to));
        metrics.parts(split.size());
    }

    /**
     * One part; a transient failure is tried again at once, up to {@value #PART_ATTEMPTS} times in all: parts written
     * at once may deadlock on a store's locks (the store aborts one of them), which another attempt clears. Beyond
     * that the failure fails the batch, and the lane's backoff takes over.
     */
    private void writePart(List<RecordedEvent> part) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                projector.apply(EventBatch.part(part));
                return;
            } catch (Exception e) {
                if (attempt >= PART_ATTEMPTS || projector.classify(e) != FailureKind.TRANSIENT) {
                    throw e;
                }
                noteFailure(e);
            }
        }
    }

    private ExecutorService partWriters() {
        if (partWriters == null) {
            partWriters = daemonThreads(settings.partitions() - 1, "part");
        }
        return partWriters;
    }

    private void isolate(List<RecordedEvent> events, LogPosition to, Instant toRecordedAt, LaneState steadyState,
                         Exception failure, int attempts) {
        if (events.size() <= 1) {
            if (events.isEmpty()) {
                // Only the checkpoint was to be written and that fails "permanently": treat as the store's problem.
                applyWithRetry(events, to, toRecordedAt, steadyState);
                return;
            }
            RecordedEvent poison = events.get(0);
            deadLetter(poison, failure, attempts);
            parkedStreams.putIfAbsent(poison.streamId(), poison.version());
            if (settings.onPoison() == PoisonPolicy.STOP) {
                log.error("lane={} event=stopped-on-poison stream={} version={} position={}",
                        name(), poison.streamId(), poison.version(), poison.position());
                state = LaneState.STOPPED;
                running = false;
                return;
            }
            applyWithRetry(List.of(), to, toRecordedAt, steadyState);
            return;
        }
        int half = events.size() / 2;
        List<RecordedEvent> first = events.subList(0, half);
        RecordedEvent lastOfFirst = first.get(first.size() - 1);
        applyWithRetry(List.copyOf(first), lastOfFirst.logPosition(), lastOfFirst.recordedAt(), steadyState);
        if (running) {
            applyWithRetry(List.copyOf(events.subList(half, events.size())), to, toRecordedAt, steadyState);
        }
    }

    /**
     * Takes out the events of streams that have an open dead-letter chain (later than its head) and records them as
     * parked behind it before the checkpoint can move past them; returns the events to apply.
     */
    private List<RecordedEvent> parkBehindDeadLetters(List<RecordedEvent> events) {
        if (parkedStreams.isEmpty() || events.isEmpty()) {
            return events;
        }
        List<RecordedEvent> apply = new ArrayList<>(events.size());
        List<RecordedEvent> park = new ArrayList<>();
        for (RecordedEvent e : events) {
            Long head = parkedStreams.get(e.streamId());
            (head != null && e.version() > head ? park : apply).add(e);
        }
        if (park.isEmpty()) {
            return events;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                deadLetters.park(name(), park);
                metrics.parked(park.size());
                log.warn("lane={} event=parked-behind-dead-letter count={} first_stream={} first_version={}",
                        name(), park.size(), park.get(0).streamId(), park.get(0).version());
                return apply;
            } catch (Exception e) {
                // Never move past an event that is neither applied nor recorded.
                noteFailure(e);
                log.warn("lane={} event=park-failed attempt={} error=\"{}\"", name(), attempt, e.toString());
                if (!running) {
                    throw new LaneStopped(); // the checkpoint stays before these events; they come again
                }
                pause(backoff.apply(Math.min(attempt, 30)));
            }
        }
    }

    private void deadLetter(RecordedEvent poison, Exception failure, int attempts) {
        for (int attempt = 1; ; attempt++) {
            try {
                deadLetters.record(name(), poison, failure, attempts);
                metrics.deadLettered();
                log.error("lane={} event=dead-lettered stream={} version={} position={} type={} error=\"{}\"",
                        name(), poison.streamId(), poison.version(), poison.position(), poison.type(), failure.toString());
                return;
            } catch (Exception e) {
                // Never move past an event that is neither applied nor recorded.
                noteFailure(e);
                log.warn("lane={} event=dead-letter-write-failed attempt={} error=\"{}\"", name(), attempt, e.toString());
                if (!running) {
                    throw new LaneStopped();
                }
                pause(backoff.apply(Math.min(attempt, 30)));
            }
        }
    }

    private void advance(LogPosition to, Instant toRecordedAt, int count) {
        checkpoint = to;
        checkpointRecordedAt = toRecordedAt;
        lastAppliedAt = Instant.now();
        applied.addAndGet(count);
        metrics.applied(count);
    }

    private void noteFailure(Exception e) {
        lastError = e.toString();
        retries.incrementAndGet();
        metrics.retried();
    }

    private void waitForDelivery() {
        try {
            Delivery next = inbox.poll(pollMillis, TimeUnit.MILLISECONDS);
            if (next != null) {
                held = next;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void pause(long millis) {
        try {
            stopSignal.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void runControls() {
        for (Control control; (control = controls.poll()) != null; ) {
            if (control.claim()) {
                control.action().run();
            }
        }
    }

    /** On the lane's thread as it ends ({@code running} is false): no control left waits for ever. */
    private void failControls() {
        for (Control control; (control = controls.poll()) != null; ) {
            control.fail("lane " + name() + " stopped");
        }
    }

    /**
     * Queues an action for the lane's thread. A caller that still sees the lane running after queueing knows the
     * lane will run or fail it (it sets {@code running} false before {@link #failControls}); else it fails it here.
     */
    private void control(Runnable action, CompletableFuture<?> done) {
        Control control = new Control(action, done, new AtomicBoolean());
        controls.add(control);
        if (!running) {
            control.fail("lane " + name() + " is stopped");
        }
    }

    /**
     * Asks the lane to apply every event of {@code streamId} once more (the projector's idempotency makes this
     * safe), without moving the checkpoint: the monitor's recovery for a read model that lost or missed writes.
     * Requests are deduplicated per stream (a stream already waiting shares its future) and bounded (beyond
     * {@code MAX_REDRIVES} streams the request fails at once); the stream is read from the log when the re-drive
     * runs, on the lane's thread, so a waiting request holds no events. Re-drives run between batches and also
     * between the attempts of a batch the lane is retrying. A stream held back behind a dead letter is not
     * re-driven (that would apply its parked events out of order).
     */
    CompletableFuture<Void> redrive(String streamId) {
        return applyAgain(streamId, false);
    }

    /**
     * Like {@link #redrive}, but the projector writes the stream again from its first event whatever its version
     * record says ({@link Projector#rewrite}): the drift audit's repair of a stream whose data changed behind the
     * hub's back. A re-drive of the stream already waiting becomes this rewrite.
     */
    CompletableFuture<Void> rewrite(String streamId) {
        return applyAgain(streamId, true);
    }

    private CompletableFuture<Void> applyAgain(String streamId, boolean rewrite) {
        if (!running) {
            return CompletableFuture.failedFuture(new IllegalStateException("lane " + name() + " is stopped"));
        }
        if (parkedStreams.containsKey(streamId)) {
            return CompletableFuture.failedFuture(new DeadLetterConflictException("stream " + streamId
                    + " is held back behind a dead letter on lane " + name() + ": replay or skip the head of its chain"));
        }
        synchronized (redrives) {
            if (redrivesClosed) {
                return CompletableFuture.failedFuture(new IllegalStateException("lane " + name() + " is stopped"));
            }
            Redrive waiting = redrives.get(streamId);
            if (waiting != null) {
                if (rewrite && !waiting.rewrite()) {
                    redrives.put(streamId, new Redrive(waiting.done(), true));
                }
                return waiting.done();
            }
            if (redrives.size() >= MAX_REDRIVES) {
                metrics.redriveRefused();
                return CompletableFuture.failedFuture(new RejectedExecutionException(
                        "lane " + name() + " has " + MAX_REDRIVES + " re-drives waiting"));
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            redrives.put(streamId, new Redrive(done, rewrite));
            return done;
        }
    }

    /** Runs the waiting re-drives, at most {@code max} of them; on the lane's thread only. */
    private void runRedrives(int max) {
        for (int i = 0; i < max; i++) {
            String streamId;
            CompletableFuture<Void> done;
            boolean rewrite;
            synchronized (redrives) {
                var first = redrives.entrySet().iterator();
                if (!first.hasNext()) {
                    return;
                }
                var entry = first.next();
                first.remove();
                streamId = entry.getKey();
                done = entry.getValue().done();
                rewrite = entry.getValue().rewrite();
            }
            if (parkedStreams.containsKey(streamId)) {
                done.completeExceptionally(new DeadLetterConflictException("stream " + streamId
                        + " is held back behind a dead letter on lane " + name()));
                continue;
            }
            try {
                // An event an admin skipped stays skipped: it may be one no projector can read.
                Set<Long> skipped = deadLetters.skippedPositions(name(), streamId);
                List<RecordedEvent> all = store.readStream(streamId, 1).stream()
                        .filter(e -> eventTypes.contains(e.type()) && e.logPosition().compareTo(checkpoint) <= 0)
                        .toList();
                List<RecordedEvent> events = all.stream().filter(e -> !skipped.contains(e.position())).toList();
                if (rewrite) {
                    projector.rewrite(streamId, new EventBatch(events, checkpoint, true));
                    // The rewrite took the version record out: an event an admin skipped stays recorded as applied.
                    for (RecordedEvent event : all) {
                        if (skipped.contains(event.position())) {
                            projector.recordSkipped(streamId, event.version());
                        }
                    }
                } else {
                    projector.apply(new EventBatch(events, checkpoint, true));
                }
                done.complete(null);
            } catch (UnsupportedOperationException e) {
                done.completeExceptionally(e); // this read model cannot rewrite: the caller decides, the lane is fine
            } catch (Exception e) {
                noteFailure(e);
                done.completeExceptionally(e);
            }
        }
    }

    /** How an open chain is resolved: replayed from its head, or its head skipped (with a reason) and the rest replayed. */
    record Resolution(boolean skipHead, String reason, String by) {
        static final Resolution REPLAY = new Resolution(false, null, null);
    }

    /**
     * Resolves the open dead-letter chain of {@code streamId} whose head is {@code headId}, on the lane's thread
     * (between batches, so never beside an apply and never racing the parking of a new event of the stream): the
     * head is applied (or, when skipped, its version recorded in the store as applied without its effects), then
     * the parked events in version order. Events applied are marked REPLAYED as they succeed; an event that fails
     * becomes the head of what is left, and the stream stays parked. Completes with the ids resolved; exceptionally if
     * nothing could be resolved (the head still fails, or the store is unreachable).
     */
    CompletableFuture<List<Long>> resolveChain(String streamId, long headId, Resolution how) {
        CompletableFuture<List<Long>> done = new CompletableFuture<>();
        control(() -> {
            try {
                done.complete(resolveChainNow(streamId, headId, how));
            } catch (Exception e) {
                noteFailure(e);
                done.completeExceptionally(e);
            }
        }, done);
        return done;
    }

    private List<Long> resolveChainNow(String streamId, long headId, Resolution how) throws Exception {
        List<DeadLetter> chain = deadLetters.chain(name(), streamId);
        if (chain.isEmpty() || chain.get(0).id() != headId) {
            throw new DeadLetterConflictException(chain.isEmpty()
                    ? "dead letter " + headId + " is not open on lane " + name()
                    : "dead letter " + headId + " is parked behind dead letter " + chain.get(0).id()
                            + " of the same stream: replay or skip that one first");
        }
        List<Long> resolved = new ArrayList<>();
        List<DeadLetter> rest = chain;
        if (how.skipHead()) {
            DeadLetter head = chain.get(0);
            projector.recordSkipped(streamId, head.version());
            deadLetters.resolve(List.of(head.id()), DeadLetter.SKIPPED, how.reason(), how.by());
            resolved.add(head.id());
            log.warn("lane={} event=dead-letter-skipped id={} stream={} version={} by=\"{}\" reason=\"{}\"", name(),
                    head.id(), streamId, head.version(), how.by(), how.reason());
            rest = chain.subList(1, chain.size());
        }
        if (rest.isEmpty()) {
            parkedStreams.remove(streamId);
            return resolved;
        }
        Map<Long, DeadLetter> byPosition = new HashMap<>();
        rest.forEach(letter -> byPosition.put(letter.position().position(), letter));
        List<RecordedEvent> events;
        try {
            events = store.readStream(streamId, rest.get(0).version(), rest.get(rest.size() - 1).version())
                    .stream().filter(e -> byPosition.containsKey(e.position())).toList();
        } catch (RuntimeException e) {
            if (!resolved.isEmpty()) {
                log.warn("lane={} event=dead-letter-chain-stopped stream={} error=\"{}\"", name(), streamId, e.toString());
                return resolved; // the skip is done; what is left stays parked and can be replayed
            }
            throw e;
        }
        if (events.size() != rest.size()) {
            throw new IllegalStateException("the log holds " + events.size() + " of the " + rest.size()
                    + " events of the chain of stream " + streamId + " on lane " + name());
        }
        try {
            projector.apply(new EventBatch(events, checkpoint, true));
            List<Long> ids = rest.stream().map(DeadLetter::id).toList();
            deadLetters.resolve(ids, DeadLetter.REPLAYED, how.skipHead() ? "released by the skip of its head" : null, how.by());
            resolved.addAll(ids);
            parkedStreams.remove(streamId);
            log.info("lane={} event=dead-letter-chain-replayed stream={} events={}", name(), streamId, ids.size());
            return resolved;
        } catch (Exception whole) {
            // Find the event that still fails: apply one at a time; those before it are done.
            for (RecordedEvent event : events) {
                DeadLetter letter = byPosition.get(event.position());
                try {
                    projector.apply(new EventBatch(List.of(event), checkpoint, true));
                } catch (Exception e) {
                    if (projector.classify(e) == FailureKind.TRANSIENT) {
                        // The store's problem: what is left stays as it is (its first open dead letter heads it),
                        // ask again later. What was resolved before stays resolved.
                        if (!resolved.isEmpty()) {
                            log.warn("lane={} event=dead-letter-chain-stopped stream={} error=\"{}\"", name(),
                                    streamId, e.toString());
                            return resolved;
                        }
                        throw e;
                    }
                    deadLetters.record(name(), event, e, 1);
                    parkedStreams.put(streamId, event.version());
                    if (resolved.isEmpty()) {
                        throw e; // the head itself still fails
                    }
                    log.warn("lane={} event=dead-letter-chain-stopped stream={} new_head_version={} error=\"{}\"",
                            name(), streamId, event.version(), e.toString());
                    return resolved; // what came before it is resolved; it heads what is left
                }
                deadLetters.resolve(List.of(letter.id()), DeadLetter.REPLAYED, null, how.by());
                resolved.add(letter.id());
            }
            // Applied one at a time after all: the failure was passing.
            parkedStreams.remove(streamId);
            return resolved;
        }
    }

    /** The stream's dead letters block later events (it has an open chain). */
    boolean parked(String streamId) {
        return parkedStreams.containsKey(streamId);
    }

    int parkedStreamCount() {
        return parkedStreams.size();
    }

    /** Thrown on the lane's thread to leave a retry loop when the lane is asked to stop. */
    private static final class LaneStopped extends RuntimeException {
        LaneStopped() {
            super(null, null, false, false);
        }
    }

    /**
     * Clears the read model and rebuilds it from the start of the log, on the lane's own thread (between two
     * batches, so never beside an apply). The lane then catches up on its own; its lag shows the progress.
     */
    CompletableFuture<Void> rebuild() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        control(() -> {
            try {
                projector.reset();
                checkpoint = LogPosition.START;
                checkpointRecordedAt = null;
                held = null;
                inbox.clear();
                orderGuard.forget();
                state = LaneState.CATCHING_UP;
                log.warn("lane={} event=rebuild-started", name());
                done.complete(null);
            } catch (Exception e) {
                noteFailure(e);
                done.completeExceptionally(e);
            }
        }, done);
        return done;
    }

    /** Asks the lane to stop after the batch in flight; the checkpoint stays what the store has. */
    void stop() {
        running = false;
        stopSignal.countDown();
    }

    boolean awaitStopped(long millis) throws InterruptedException {
        return finished.await(millis, TimeUnit.MILLISECONDS);
    }

    LaneState state() {
        return state;
    }

    LogPosition checkpoint() {
        return checkpoint;
    }

    Instant checkpointRecordedAt() {
        return checkpointRecordedAt;
    }

    Instant lastAppliedAt() {
        return lastAppliedAt;
    }

    String lastError() {
        return lastError;
    }

    long retries() {
        return retries.get();
    }

    long applied() {
        return applied.get();
    }

    long streamGaps() {
        return streamGaps.get();
    }

    Set<String> eventTypes() {
        return eventTypes;
    }
}
