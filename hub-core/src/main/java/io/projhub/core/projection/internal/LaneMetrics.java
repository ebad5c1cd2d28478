package io.projhub.core.projection.internal;

import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

/** A lane's counters ({@code projhub_*{lane}}); the gauges are registered by the subscriber. */
public final class LaneMetrics {

    private final Counter applied;
    private final Counter retries;
    private final Counter deadLettered;
    private final Counter streamGaps;
    private final Counter parked;
    private final Counter redrivesRefused;
    private final Counter splitBatches;
    private final Counter parts;

    public LaneMetrics(MeterRegistry registry, String lane) {
        this.applied = Counter.builder("projhub_events_applied").tag("lane", lane)
                .description("Events applied to the read model").register(registry);
        this.retries = Counter.builder("projhub_retries").tag("lane", lane)
                .description("Failed attempts to apply a batch or read a checkpoint").register(registry);
        this.deadLettered = Counter.builder("projhub_dead_lettered").tag("lane", lane)
                .description("Events put in the dead-letter table").register(registry);
        this.streamGaps = Counter.builder("projhub_stream_gaps").tag("lane", lane)
                .description("Events whose stream version did not follow the last one the lane passed")
                .register(registry);
        this.parked = Counter.builder("projhub_dead_letters_parked").tag("lane", lane)
                .description("Events parked behind an earlier dead letter of their stream").register(registry);
        this.redrivesRefused = Counter.builder("projhub_redrives_refused").tag("lane", lane)
                .description("Re-drive requests refused because the lane's re-drive queue was full").register(registry);
        this.splitBatches = Counter.builder("projhub_batches_split").tag("lane", lane)
                .description("Batches written in parts at once").register(registry);
        this.parts = Counter.builder("projhub_batch_parts").tag("lane", lane)
                .description("Parts written by batches written in parts").register(registry);
    }

    /** The counters registered for the lane, to remove from the registry when the lane is removed. */
    List<Meter> meters() {
        return List.of(applied, retries, deadLettered, streamGaps, parked, redrivesRefused, splitBatches, parts);
    }

    void parts(int count) {
        splitBatches.increment();
        parts.increment(count);
    }

    void redriveRefused() {
        redrivesRefused.increment();
    }

    void parked(int count) {
        parked.increment(count);
    }

    void applied(int count) {
        applied.increment(count);
    }

    void retried() {
        retries.increment();
    }

    void deadLettered() {
        deadLettered.increment();
    }

    void streamGap() {
        streamGaps.increment();
    }
}
