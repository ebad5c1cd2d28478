package io.projhub.core.testing;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;


import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ForwardingEventStore;
import io.projhub.core.eventstore.RecordedEvent;

/** An event store that remembers which stream events it was asked to read, to prove what loading reads. */
public final class CountingEventStore extends ForwardingEventStore {

    /** One stream read: the versions it returned. */
    public record StreamRead(String streamId, List<Long> versions) {
    }

    private final List<StreamRead> reads = new CopyOnWriteArrayList<>();

    public CountingEventStore(EventStore delegate) {
        super(delegate);
    }

    public List<StreamRead> reads() {
        return List.copyOf(reads);
    }

    public void forget() {
        reads.clear();
    }

    private List<RecordedEvent> recorded(String streamId, List<RecordedEvent> events) {
        reads.add(new StreamRead(streamId, events.stream().map(RecordedEvent::version).toList()));
        return events;
    }

    @Override
    public List<RecordedEvent> readStream(String streamId, long fromVersion) {
        return recorded(streamId, delegate().readStream(streamId, fromVersion));
    }

    @Override
    public List<RecordedEvent> readStream(String streamId, long fromVersion, long toVersion) {
        return recorded(streamId, delegate().readStream(streamId, fromVersion, toVersion));
    }

    @Override
    public List<RecordedEvent> readStreamUntil(String streamId, Instant asOf) {
        return recorded(streamId, delegate().readStreamUntil(streamId, asOf));
    }
}
