package io.projhub.core.projection.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.resilience4j.core.IntervalFunction;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
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
 */
public final class ProjectionLane implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(ProjectionLane.class);
    private static final int ORDER_GUARD_STREAMS = 100_000;

    private final Projector projector;
    private final Set<String> eventTypes;
    private final LaneSettings settings;
    private final EventStore store;
    private final PostgresDeadLetters deadLetters;
    private final Supplier<LogPosition> pollerTail;
    private final LaneMetrics metrics;
    private final IntervalFunction backoff;
    private final BlockingQueue<Delivery> inbox;
    private final ConcurrentLinkedQueue<Runnable> controls = new ConcurrentLinkedQueue<>();
    private final StreamOrderGuard orderGuard = new StreamOrderGuard(ORDER_GUARD_STREAMS);
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
            checkpoint = loadCheckpoint();
            if (checkpoint == null) {
                return;
            }
            log.info("lane={} event=started checkpoint={}", name(), checkpoint.token());
            while (running) {
                runControls();
                step();
            }
        } catch (RuntimeException | Error e) {
            lastError = String.valueOf(e);
            log.error("lane={} event=crashed error=\"{}\"", name(), e, e);
        } finally {
            state = LaneState.STOPPED;
            finished.countDown();
            log.info("lane={} event=stopped checkpoint={}", name(), checkpoint == null ? "unknown" : checkpoint.token());
        }
    }

    private LogPosition loadCheckpoint() {
        for (int attempt = 1; running; attempt++) {
            try {
                return projector.checkpoint();
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
                    List<RecordedEvent> own = store.readAll(cursor, settings.batchSize() - read.size());
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
        for (int attempt = 1; running || attempt == 1; attempt++) {
            try {
                projector.apply(new EventBatch(events, to));
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
            }
        }
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
                log.warn("lane={} event=dead-letter-write-failed attempt={} error=\"{}\"", name(), attempt, e.toString());
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
        for (Runnable control; (control = controls.poll()) != null; ) {
            control.run();
        }
    }

    /**
     * Applies the given events once more on the lane's thread, without moving the checkpoint (the projector's
     * idempotency makes this safe): used to re-drive a stream and to replay a dead letter.
     */
    CompletableFuture<Void> reapply(List<RecordedEvent> events) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        controls.add(() -> {
            List<RecordedEvent> handled = events.stream().filter(e -> eventTypes.contains(e.type())).toList();
            try {
                projector.apply(new EventBatch(handled, checkpoint, true));
                done.complete(null);
            } catch (Exception e) {
                noteFailure(e);
                done.completeExceptionally(e);
            }
        });
        if (!running) {
            done.completeExceptionally(new IllegalStateException("lane " + name() + " is stopped"));
        }
        return done;
    }

    /**
     * Clears the read model and rebuilds it from the start of the log, on the lane's own thread (between two
     * batches, so never beside an apply). The lane then catches up on its own; its lag shows the progress.
     */
    CompletableFuture<Void> rebuild() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        controls.add(() -> {
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
        });
        if (!running) {
            done.completeExceptionally(new IllegalStateException("lane " + name() + " is stopped"));
        }
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
