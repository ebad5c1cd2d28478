package io.projhub.projectors.testing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.eventstore.RecordedEvent;

/** A synthetic event log: domain events with increasing positions (two per transaction) and per-stream versions. */
public final class EventLog {

    private final EventTypeRegistry registry = DomainEventTypes.registry();
    private final List<RecordedEvent> events = new ArrayList<>();
    private final Map<String, Long> versions = new HashMap<>();
    private long position;

    public RecordedEvent append(String streamType, String streamId, Object domainEvent) {
        NewEvent event = registry.toNewEvent(domainEvent, EventMetadata.EMPTY);
        long version = versions.merge(streamId, 1L, Long::sum);
        position++;
        long txId = 1000 + (position + 1) / 2;
        RecordedEvent recorded = new RecordedEvent(position, txId, streamId, streamType, version, event.type(),
                registry.currentSchemaVersion(event.type()), event.data(), EventMetadata.EMPTY,
                Instant.parse("2026-01-10T12:00:00Z").plusSeconds(position));
        events.add(recorded);
        return recorded;
    }

    public List<RecordedEvent> events() {
        return List.copyOf(events);
    }

    public LogPosition head() {
        return events.get(events.size() - 1).logPosition();
    }
}
