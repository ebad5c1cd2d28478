package io.projhub.monitor.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.resilience4j.core.IntervalFunction;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.LaneState;
import io.projhub.core.projection.LaneStatus;
import io.projhub.core.projection.SubscriberStatus;
import io.projhub.monitor.MonitorListener;
import io.projhub.monitor.MonitoredReadModel;
import io.projhub.monitor.VerificationCheck;
import io.projhub.monitor.VerificationSettings;

/**
 * The seed's pending updates: each tracked write is checked on every read model that handles it until the read
 * model reports the stream's version, with exponential backoff and a re-drive between checks, and handed to
 * {@link StreamAlertSink} after the last attempt.
 *
 * <p>Memory is bounded: one entry per (read model, stream) holding only the newest tracked version, at most
 * {@code maxTracked} entries, each read model at most its equal share of them (a write beyond that is dropped and
 * counted), and one queue slot per entry. No thread
 * per entry: the monitor's scheduler calls {@link #dispatchDue()} every tick, and due checks run on the probe pool.
 *
 * <p>Lag is not a miss: while a read model's lane has not reached a write's position (store down, lane retrying,
 * frontier pinned, a rebuild), the write is not probed, not re-driven and never raises a per-stream alert; it is
 * looked at again every {@code LAG_RECHECK}, and the lane-level alert is the one that fires; so is a write the lane
 * has passed whose store does not answer while the lane is retrying (the same outage). A stream the lane holds
 * back behind a dead letter is not a miss either (its DEAD_LETTERS alert covers it): its entry is dropped.
 *
 * <p>A check that finds the read model further along the stream than the previous check did is not counted as a
 * failed attempt: the read model is moving, only the newest write is still on its way. So a stream written
 * continuously never raises an alert on a healthy read model, while one that does not move raises after
 * {@code maxAttempts} checks.
 *
 * <p>The set of read models can be replaced while the verifier runs ({@link #replace}): it is one immutable map in
 * a volatile field, written only under {@code lock} together with the entries it implies. {@link #track} reads it
 * once per write (and {@link #offer} re-checks membership under the lock, so no entry of a removed read model can
 * slip in); a check reads it when it probes, so a read model given a new probe is probed with the new one. A check
 * in flight for an entry a replacement dropped (or that a read model removed and added again replaced) finds its
 * entry gone when it returns and does nothing more: no re-queue, no re-drive, no alert.
 */
final class WriteVerifier {

    private static final Logger log = LoggerFactory.getLogger(WriteVerifier.class);

    /** What the verifier needs done after a read model missed a write for good. */
    @FunctionalInterface
    interface StreamAlertSink {
        void streamBehind(StreamBehind missed) throws Exception;
    }

    /** A write a read model had not applied after the last attempt. {@code appliedVersion} is -1 if unknown. */
    record StreamBehind(String readModel, String streamId, long expectedVersion, long appliedVersion, int attempts,
                        String lastError, LogPosition position, Instant firstTrackedAt) {
    }

    private record Key(String readModel, String streamId) {
    }

    /** A (read model, stream) waiting for its next check; guarded by {@code lock}. */
    private static final class Entry {
        final Key key;
        final Instant firstTrackedAt;
        final long seq;
        long version;
        LogPosition position;
        int failedChecks;
        int checks;
        long lastApplied = -1;
        String lastError;
        long dueNanos;

        Entry(Key key, long version, LogPosition position, long dueNanos, long seq) {
            this.key = key;
            this.version = version;
            this.position = position;
            this.dueNanos = dueNanos;
            this.seq = seq;
            this.firstTrackedAt = Instant.now();
        }
    }

    /** How often a write the lane has not reached yet is looked at again (no probe: the lane's position only). */
    static final java.time.Duration LAG_RECHECK = java.time.Duration.ofSeconds(2);

    /** Immutable; replaced under {@code lock} only, read anywhere. */
    private volatile Map<String, MonitoredReadModel> readModels;
    private final java.util.function.Supplier<SubscriberStatus> lanes;
    private final VerificationSettings settings;
    private final IntervalFunction intervals;
    private final Executor probes;
    private final Redrives redrives;
    private final MonitorListener listener;
    private final StreamAlertSink alerts;

    private final Object lock = new Object();
    private final Map<Key, Entry> entries = new HashMap<>();
    private final PriorityQueue<Entry> due = new PriorityQueue<>(
            Comparator.<Entry>comparingLong(e -> e.dueNanos).thenComparingLong(e -> e.seq));
    private final Map<String, Integer> pendingByReadModel = new HashMap<>();
    private final Map<String, LongAdder> retries = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final Counter droppedCounter;
    private long seq;
    private int inFlight;
    private boolean closed;

    /**
     * @param lanes the subscriber's status (each lane's checkpoint), or null when the hub runs no subscriber (then
     *              every write is probed)
     */
    WriteVerifier(Map<String, MonitoredReadModel> readModels, java.util.function.Supplier<SubscriberStatus> lanes,
                  VerificationSettings settings, Executor probes, Redrives redrives, MonitorListener listener,
                  StreamAlertSink alerts, MeterRegistry registry) {
        this.readModels = Map.copyOf(readModels);
        this.lanes = lanes;
        this.settings = settings;
        this.intervals = settings.intervalFunction();
        this.probes = probes;
        this.redrives = redrives;
        this.listener = listener;
        this.alerts = alerts;
        readModels.keySet().forEach(name -> retries.put(name, new LongAdder()));
        this.droppedCounter = Counter.builder("projhub_verifications_dropped")
                .description("Tracked writes not verified because the verification queue was full")
                .register(registry);
        Gauge.builder("projhub_verifications_pending", this, WriteVerifier::pending)
                .description("(read model, stream) entries waiting for verification").register(registry);
    }

    /**
     * Verifies exactly these read models from now on. Under the lock: entries of read models that stay are kept
     * (their next check uses the new probe), entries of removed ones are dropped with their retry counters, and
     * new ones get a counter and are verified for the writes tracked from now on.
     *
     * @return the number of pending entries dropped
     */
    int replace(Map<String, MonitoredReadModel> next) {
        Map<String, MonitoredReadModel> snapshot = Map.copyOf(next);
        synchronized (lock) {
            readModels = snapshot;
            int before = entries.size();
            entries.values().removeIf(e -> !snapshot.containsKey(e.key.readModel()));
            due.removeIf(e -> !snapshot.containsKey(e.key.readModel()));
            pendingByReadModel.keySet().retainAll(snapshot.keySet());
            retries.keySet().retainAll(snapshot.keySet());
            snapshot.keySet().forEach(name -> retries.putIfAbsent(name, new LongAdder()));
            return before - entries.size();
        }
    }

    /** Whether this read model is verified now. */
    boolean monitors(String readModel) {
        return readModels.containsKey(readModel);
    }

    void track(AppendResult result, Set<String> eventTypes) {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(eventTypes, "eventTypes");
        long dueNanos = System.nanoTime() + settings.initialDelay().toNanos();
        for (MonitoredReadModel readModel : readModels.values()) { // one snapshot per write
            if (readModel.handlesAny(eventTypes)) {
                offer(new Key(readModel.name(), result.streamId()), result, dueNanos);
            }
        }
    }

    private void offer(Key key, AppendResult result, long dueNanos) {
        synchronized (lock) {
            Entry entry = entries.get(key);
            if (entry != null) {
                if (result.newVersion() > entry.version) {
                    entry.version = result.newVersion();
                    entry.position = result.position();
                }
                return;
            }
            if (closed || !readModels.containsKey(key.readModel())) {
                return; // closed, or the read model was removed since track() read the set
            }
            // Each read model gets its share of the bound, so one lagging read model (a long outage) cannot crowd out
            // the verification of the others' writes.
            int share = Math.max(1, settings.maxTracked() / Math.max(1, readModels.size()));
            if (entries.size() >= settings.maxTracked() || pendingByReadModel.getOrDefault(key.readModel(), 0) >= share) {
                dropped.incrementAndGet();
                droppedCounter.increment();
                return;
            }
            entry = new Entry(key, result.newVersion(), result.position(), dueNanos, seq++);
            entries.put(key, entry);
            due.add(entry);
            pendingByReadModel.merge(key.readModel(), 1, Integer::sum);
        }
    }

    /**
     * Starts the checks that are due on the probe pool (called by the scheduler every tick): the due entries of one
     * read model go out together, up to {@link #BATCH} streams per probe ({@code ReadModelProbe.appliedVersions}: one
     * round trip in every store), and at most {@code maxInFlight} probes at once.
     */
    void dispatchDue() {
        long now = System.nanoTime();
        synchronized (lock) {
            if (due.isEmpty() || due.peek().dueNanos - now > 0) {
                return; // nothing due this tick: no need to ask the subscriber for its lanes
            }
        }
        Map<String, LaneStatus> laneStatuses = laneStatuses();
        long lagRecheck = LAG_RECHECK.toNanos();
        List<Batch> batches = new ArrayList<>();
        synchronized (lock) {
            Map<String, Batch> filling = new HashMap<>();
            List<Entry> lagging = new ArrayList<>();
            // Due entries of a read model with no batch open once maxInFlight is reached wait for the next tick,
            // while the batches already open keep filling (entries of several read models alternate in the queue).
            List<Entry> noRoom = new ArrayList<>();
            int openWithRoom = 0;
            while (!closed && !due.isEmpty() && due.peek().dueNanos - now <= 0) {
                Entry entry = due.poll();
                String name = entry.key.readModel();
                LaneStatus lane = laneStatuses.get(name);
                // Lag, not a miss: the lane has not reached the write, has no checkpoint yet (not started, or the
                // hub refuses to project), or is stopped; its own alert speaks for it.
                boolean behind = lane != null && (lane.checkpoint() == null || lane.state() == LaneState.STOPPED
                        || (entry.position != null && !lane.checkpoint().covers(entry.position)));
                if (behind) {
                    entry.dueNanos = now + lagRecheck; // lag, not a miss
                    lagging.add(entry);
                    continue;
                }
                Batch batch = filling.get(name);
                if (batch == null || batch.entries.size() >= BATCH) {
                    if (inFlight >= settings.maxInFlight()) {
                        noRoom.add(entry);
                        if (openWithRoom == 0) {
                            break; // no batch can take more this tick
                        }
                        continue;
                    }
                    batch = new Batch(name, lane != null && lane.state() == LaneState.RETRYING);
                    filling.put(name, batch);
                    batches.add(batch);
                    inFlight++;
                    openWithRoom++;
                }
                batch.entries.add(entry);
                if (batch.entries.size() == BATCH) {
                    openWithRoom--;
                }
            }
            due.addAll(lagging);
            due.addAll(noRoom);
        }
        for (Batch batch : batches) {
            try {
                probes.execute(() -> check(batch));
            } catch (RejectedExecutionException e) { // shutting down
                synchronized (lock) {
                    inFlight--;
                    for (Entry entry : batch.entries) {
                        if (current(entry)) {
                            due.add(entry);
                        }
                    }
                }
            }
        }
    }

    /** The most streams one probe asks a read model for. */
    static final int BATCH = 500;

    /** Due entries of one read model, checked with one probe. */
    private record Batch(String readModel, boolean laneRetrying, List<Entry> entries) {
        Batch(String readModel, boolean laneRetrying) {
            this(readModel, laneRetrying, new ArrayList<>());
        }
    }

    private Map<String, LaneStatus> laneStatuses() {
        if (lanes == null) {
            return Map.of();
        }
        try {
            SubscriberStatus status = lanes.get();
            if (status == null) {
                return Map.of();
            }
            Map<String, LaneStatus> byName = new HashMap<>();
            status.lanes().forEach(lane -> byName.put(lane.name(), lane));
            return byName;
        } catch (RuntimeException e) {
            log.debug("monitor event=lane-status-failed error=\"{}\"", Errors.describe(e));
            return Map.of();
        }
    }

    private void check(Batch batch) {
        try {
            MonitoredReadModel readModel = readModels.get(batch.readModel());
            List<Entry> probed = new ArrayList<>(batch.entries().size());
            for (Entry entry : batch.entries()) {
                if (readModel == null || redrives.parked(batch.readModel(), entry.key.streamId())) {
                    // removed since dispatch (the replacement dropped the entry), or held back behind a dead letter
                    // (its DEAD_LETTERS alert speaks for it)
                    synchronized (lock) {
                        remove(entry);
                    }
                } else {
                    probed.add(entry);
                }
            }
            if (probed.isEmpty()) {
                return;
            }
            long[] expected = new long[probed.size()];
            int[] attempt = new int[probed.size()];
            List<String> streamIds = new ArrayList<>(probed.size());
            synchronized (lock) {
                for (int i = 0; i < probed.size(); i++) {
                    expected[i] = probed.get(i).version;
                    attempt[i] = probed.get(i).checks + 1;
                    streamIds.add(probed.get(i).key.streamId());
                }
            }
            Map<String, Long> applied = new HashMap<>();
            Map<String, String> errors = new HashMap<>();
            try {
                applied.putAll(readModel.probe().appliedVersions(streamIds));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                requeue(probed);
                return;
            } catch (Exception e) {
                // One failed query must not count a miss (and a re-drive) for every stream in it: ask stream by stream,
                // stopping at the first failure when even a single stream cannot be read (the store is down).
                if (!probeOneByOne(readModel, streamIds, applied, errors, Errors.describe(e))) {
                    requeue(probed);
                    return;
                }
            }
            for (int i = 0; i < probed.size(); i++) {
                String error = errors.get(streamIds.get(i));
                long version = error != null ? -1 : applied.getOrDefault(streamIds.get(i), 0L);
                settle(probed.get(i), expected[i], attempt[i], version, error, batch.laneRetrying());
            }
        } finally {
            synchronized (lock) {
                inFlight--;
            }
        }
    }

    /**
     * After a failed batch query: each stream asked alone. A stream that fails alone gets its own error; once the
     * first one fails, the rest get the batch's error without being asked (the store is not answering).
     *
     * @return false if interrupted
     */
    private static boolean probeOneByOne(MonitoredReadModel readModel, List<String> streamIds, Map<String, Long> applied,
                                         Map<String, String> errors, String batchError) {
        boolean answering = true;
        for (String streamId : streamIds) {
            if (!answering) {
                errors.put(streamId, batchError);
                continue;
            }
            try {
                applied.put(streamId, readModel.probe().appliedVersion(streamId));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (Exception e) {
                errors.put(streamId, Errors.describe(e));
                answering = !applied.isEmpty(); // the first stream failed too: the store, not the query
            }
        }
        return true;
    }

    /** Entries a check could not finish (interrupted) go back to the queue, unless the verifier is closing. */
    private void requeue(List<Entry> unfinished) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            for (Entry entry : unfinished) {
                if (current(entry)) {
                    due.add(entry);
                }
            }
        }
    }

    /** What one stream's check found: done, looked at again later (after a re-drive if it did not move), or alerted. */
    private void settle(Entry entry, long expected, int attempt, long applied, String error, boolean laneRetrying) {
        Key key = entry.key;
        VerificationCheck checked = new VerificationCheck(key.readModel(), key.streamId(), expected, applied, attempt,
                applied >= expected, error, Instant.now(), System.nanoTime());
        Listeners.call(() -> listener.verificationChecked(checked));

        StreamBehind exhausted = null;
        int redriveAfter = 0;
        synchronized (lock) {
            if (!current(entry)) {
                return; // dropped by a replacement of the read models while it was probed
            }
            entry.checks = attempt;
            if (applied >= entry.version) {
                remove(entry);
                return;
            }
            if (error != null && laneRetrying) {
                // The store does not answer and its lane is retrying: the outage, which the lane alert speaks for;
                // neither a miss nor worth a re-drive. Looked at again once the store answers.
                entry.lastError = error;
                if (!closed) {
                    entry.dueNanos = System.nanoTime() + LAG_RECHECK.toNanos();
                    due.add(entry);
                }
                return;
            }
            boolean progressed = applied >= expected || (entry.lastApplied >= 0 && applied > entry.lastApplied);
            entry.lastApplied = Math.max(entry.lastApplied, applied);
            entry.lastError = error;
            if (!progressed) {
                entry.failedChecks++;
            }
            if (entry.failedChecks >= settings.maxAttempts()) {
                remove(entry);
                exhausted = new StreamBehind(key.readModel(), key.streamId(), entry.version, entry.lastApplied,
                        entry.checks, entry.lastError, entry.position, entry.firstTrackedAt);
            } else if (closed) {
                return;
            } else {
                long wait = intervals.apply(Math.max(1, entry.failedChecks));
                entry.dueNanos = System.nanoTime() + wait * 1_000_000L;
                due.add(entry);
                if (!progressed) {
                    redriveAfter = entry.failedChecks;
                }
            }
        }
        if (exhausted != null) {
            raise(exhausted, entry);
        } else if (redriveAfter > 0) {
            LongAdder counter = retries.get(key.readModel());
            if (counter == null) {
                return; // removed meanwhile: its lane is not ours to re-drive any more
            }
            counter.increment();
            redrives.request(key.readModel(), key.streamId(), redriveAfter);
        }
    }

    private void raise(StreamBehind missed, Entry entry) {
        try {
            alerts.streamBehind(missed);
        } catch (Exception e) {
            // The alert store is unreachable: keep the entry so its next failed check tries to raise again.
            log.warn("monitor event=raise-failed read_model={} stream={} error=\"{}\"", missed.readModel(),
                    missed.streamId(), Errors.describe(e));
            synchronized (lock) {
                if (!closed && !entries.containsKey(entry.key) && readModels.containsKey(entry.key.readModel())) {
                    entry.failedChecks = settings.maxAttempts() - 1;
                    entry.dueNanos = System.nanoTime() + settings.maxInterval().toNanos();
                    entries.put(entry.key, entry);
                    due.add(entry);
                    pendingByReadModel.merge(entry.key.readModel(), 1, Integer::sum);
                }
            }
        }
    }

    /** Whether the entry is still the one tracked for its key (a replacement may have dropped it); under lock. */
    private boolean current(Entry entry) {
        return entries.get(entry.key) == entry;
    }

    /** Removes this very entry (not a newer one for the same key); under lock. */
    private void remove(Entry entry) {
        if (entries.remove(entry.key, entry)) {
            pendingByReadModel.merge(entry.key.readModel(), -1, (a, b) -> a + b == 0 ? null : a + b);
        }
    }

    int pending() {
        synchronized (lock) {
            return entries.size();
        }
    }

    int pending(String readModel) {
        synchronized (lock) {
            return pendingByReadModel.getOrDefault(readModel, 0);
        }
    }

    long retries(String readModel) {
        LongAdder adder = retries.get(readModel);
        return adder == null ? 0 : adder.sum();
    }

    long dropped() {
        return dropped.get();
    }

    /** Stops checking; entries are forgotten (verification lives in memory; lag and alerts live on). */
    void close() {
        synchronized (lock) {
            closed = true;
            entries.clear();
            due.clear();
            pendingByReadModel.clear();
        }
    }
}
