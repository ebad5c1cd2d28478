package io.projhub.monitor;

import java.util.Objects;
import java.util.Set;

import io.projhub.core.projection.ReadModelProbe;

/**
 * A read model the monitor watches: its name (the same as its lane's), the probe that reads its progress from its
 * own store, and the event types its projector handles (a write is verified only on read models that handle one
 * of its event types).
 */
public record MonitoredReadModel(String name, ReadModelProbe probe, Set<String> eventTypes) {

    public MonitoredReadModel {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("monitored read model: name is required");
        }
        Objects.requireNonNull(probe, "probe");
        eventTypes = Set.copyOf(Objects.requireNonNull(eventTypes, "eventTypes"));
    }

    /** True if a write of these event types is this read model's business. */
    public boolean handlesAny(Set<String> types) {
        for (String type : types) {
            if (eventTypes.contains(type)) {
                return true;
            }
        }
        return false;
    }
}
