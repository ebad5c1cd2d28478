package io.projhub.monitor.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogHead;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.monitor.MonitoredReadModel;

/**
 * Measures each read model's lag from its own store's checkpoint (invariant 6): events after the checkpoint, and the
 * head's time minus the time of the event at the checkpoint. One probe task per read model at a time, on the probe
 * pool, so a hanging store delays only its own figures.
 *
 * <p>The set of read models can be replaced while rounds run ({@link #replace}): it is one immutable map in a
 * volatile field, read once per round, so a round measures one consistent set.
 */
final class LagMeter {

    private static final Logger log = LoggerFactory.getLogger(LagMeter.class);

    /** A read model's figures; {@code checkpoint} null and lags -1 until its store answered once. */
    record Measurement(LogPosition checkpoint, long lagEvents, double lagSeconds, Instant measuredAt, String error) {
        static final Measurement NONE = new Measurement(null, -1, -1, null, null);

        boolean reachable() {
            return error == null && measuredAt != null;
        }
    }

    /**
     * One measured read model: its current definition and what survives a change of its probe (the figures, the
     * busy flag, the gauges). A read model removed and added again gets a new one.
     */
    private record Measured(MonitoredReadModel readModel, AtomicReference<Measurement> ref, AtomicBoolean busy,
                            List<Meter> meters) {
    }

    private final EventStore store;
    private final MeterRegistry registry;
    /** Immutable, replaced whole under {@code this}; each round reads it once. */
    private volatile Map<String, Measured> measured = Map.of();
    private volatile Optional<LogHead> head = Optional.empty();
    private volatile Instant headMeasuredAt;

    LagMeter(EventStore store, Map<String, MonitoredReadModel> readModels, MeterRegistry registry) {
        this.store = store;
        this.registry = registry;
        replace(readModels);
    }

    /**
     * Measures exactly these read models from now on: a new name gets fresh figures (none yet) and its gauges; a
     * removed name loses its figures and its gauges are removed from the registry; a name that stays keeps its
     * figures and gauges and is measured with its new probe from the next round. A round in progress finishes with
     * the set it started with (a figure it writes for a removed read model is not seen by anyone).
     */
    synchronized void replace(Map<String, MonitoredReadModel> readModels) {
        Map<String, Measured> previous = measured;
        Map<String, Measured> next = new LinkedHashMap<>();
        for (MonitoredReadModel readModel : readModels.values()) {
            Measured old = previous.get(readModel.name());
            next.put(readModel.name(), old != null
                    ? new Measured(readModel, old.ref(), old.busy(), old.meters())
                    : register(readModel));
        }
        measured = Collections.unmodifiableMap(next);
        for (Measured old : previous.values()) {
            if (!next.containsKey(old.readModel().name())) {
                old.meters().forEach(registry::remove);
            }
        }
    }

    private Measured register(MonitoredReadModel readModel) {
        String name = readModel.name();
        AtomicReference<Measurement> ref = new AtomicReference<>(Measurement.NONE);
        List<Meter> meters = List.of(
                Gauge.builder("projhub_read_model_position", ref,
                                r -> r.get().checkpoint() == null ? Double.NaN : r.get().checkpoint().position())
                        .tag("read_model", name).description("Log position of the read model's stored checkpoint")
                        .register(registry),
                Gauge.builder("projhub_read_model_lag_events", ref,
                                r -> r.get().lagEvents() < 0 ? Double.NaN : r.get().lagEvents())
                        .tag("read_model", name).description("Committed events after the read model's checkpoint")
                        .register(registry),
                Gauge.builder("projhub_read_model_lag_seconds", ref,
                                r -> r.get().lagSeconds() < 0 ? Double.NaN : r.get().lagSeconds())
                        .tag("read_model", name)
                        .description("Head time minus the time of the event at the read model's checkpoint")
                        .register(registry));
        return new Measured(readModel, ref, new AtomicBoolean(), meters);
    }

    /** Reads the head here, then measures each read model on the pool (skipping one still being measured). */
    void measureAll(Executor probes) {
        Map<String, Measured> round = measured;
        Optional<LogHead> currentHead;
        try {
            currentHead = store.head();
        } catch (RuntimeException e) {
            log.warn("monitor event=head-failed error=\"{}\"", Errors.describe(e));
            return;
        }
        head = currentHead;
        headMeasuredAt = Instant.now();
        for (Measured m : round.values()) {
            AtomicBoolean busy = m.busy();
            if (!busy.compareAndSet(false, true)) {
                continue;
            }
            try {
                probes.execute(() -> {
                    try {
                        measure(m.readModel(), m.ref(), currentHead);
                    } finally {
                        busy.set(false);
                    }
                });
            } catch (RejectedExecutionException e) {
                busy.set(false);
            }
        }
    }

    private void measure(MonitoredReadModel readModel, AtomicReference<Measurement> ref,
                         Optional<LogHead> currentHead) {
        Measurement previous = ref.get();
        LogPosition checkpoint;
        String error = null;
        try {
            checkpoint = readModel.probe().checkpoint();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            error = Errors.describe(e);
            // A checkpoint only moves forward: the last one read bounds the lag from above.
            checkpoint = previous.checkpoint();
            log.debug("monitor event=probe-failed read_model={} error=\"{}\"", readModel.name(), error);
        }
        Instant now = Instant.now();
        if (checkpoint == null) {
            ref.set(new Measurement(null, -1, -1, now, error));
            return;
        }
        try {
            long lagEvents = currentHead.isEmpty() || checkpoint.covers(currentHead.get().position()) ? 0
                    : store.countAfter(checkpoint);
            double lagSeconds = lagEvents == 0 ? 0 : lagSeconds(checkpoint, currentHead.get());
            ref.set(new Measurement(checkpoint, lagEvents, lagSeconds, now, error));
        } catch (RuntimeException e) {
            log.warn("monitor event=lag-failed read_model={} error=\"{}\"", readModel.name(), Errors.describe(e));
            ref.set(new Measurement(checkpoint, previous.lagEvents(), previous.lagSeconds(), now,
                    error != null ? error : "event store: " + Errors.describe(e)));
        }
    }

    /** Head time minus the time of the event at the checkpoint (or of the oldest unapplied one, before any). */
    private double lagSeconds(LogPosition checkpoint, LogHead head) {
        Instant at = null;
        if (checkpoint.position() > 0) {
            List<RecordedEvent> atCheckpoint = store.readAll(
                    new LogPosition(checkpoint.txId(), checkpoint.position() - 1), 1);
            if (!atCheckpoint.isEmpty() && atCheckpoint.get(0).logPosition().equals(checkpoint)) {
                at = atCheckpoint.get(0).recordedAt();
            }
        }
        if (at == null) {
            List<RecordedEvent> firstUnapplied = store.readAll(checkpoint, 1);
            at = firstUnapplied.isEmpty() ? head.recordedAt() : firstUnapplied.get(0).recordedAt();
        }
        return Math.max(0, Duration.between(at, head.recordedAt()).toMillis() / 1000.0);
    }

    /** The read model's figures; {@link Measurement#NONE} if it is not (or no longer) measured. */
    Measurement measurement(String readModel) {
        Measured m = measured.get(readModel);
        return m == null ? Measurement.NONE : m.ref().get();
    }

    Optional<LogHead> head() {
        return head;
    }

    Instant headMeasuredAt() {
        return headMeasuredAt;
    }
}
