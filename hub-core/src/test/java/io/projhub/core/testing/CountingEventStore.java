package io.projhub.core.testing;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.IdempotencyKey;
import io.projhub.core.eventstore.LogHead;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.eventstore.Snapshot;
import tools.jackson.databind.JsonNode;

/** An event store that remembers which stream events it was asked to read, to prove what loading reads. */
public final class CountingEventStore implements EventStore {

    /** One stream read: the versions it returned. */
    public record StreamRead(String streamId, List<Long> versions) {
    }

    private final EventStore delegate;
    private final List<StreamRead> reads = new CopyOnWriteArrayList<>();

    public CountingEventStore(EventStore delegate) {
        this.delegate = delegate;
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
    public AppendResult append(String streamId, String streamType, ExpectedVersion expected, List<NewEvent> events,
                               IdempotencyKey key) {
        return delegate.append(streamId, streamType, expected, events, key);
    }

    @Override
    public Optional<AppendResult> findAppend(IdempotencyKey key) {
        return delegate.findAppend(key);
    }

    @Override
    public List<RecordedEvent> readStream(String streamId, long fromVersion) {
        return recorded(streamId, delegate.readStream(streamId, fromVersion));
    }

    @Override
    public List<RecordedEvent> readStream(String streamId, long fromVersion, long toVersion) {
        return recorded(streamId, delegate.readStream(streamId, fromVersion, toVersion));
    }

    @Override
    public List<RecordedEvent> readStreamUntil(String streamId, Instant asOf) {
        return recorded(streamId, delegate.readStreamUntil(streamId, asOf));
    }

    @Override
    public long streamVersion(String streamId) {
        return delegate.streamVersion(streamId);
    }

    @Override
    public long streamVersionAt(String streamId, Instant asOf) {
        return delegate.streamVersionAt(streamId, asOf);
    }

    @Override
    public Optional<String> streamType(String streamId) {
        return delegate.streamType(streamId);
    }

    @Override
    public void saveSnapshot(String streamId, long version, String snapshotType, JsonNode state) {
        delegate.saveSnapshot(streamId, version, snapshotType, state);
    }

    @Override
    public Optional<Snapshot> loadLatestSnapshot(String streamId, String snapshotType) {
        return delegate.loadLatestSnapshot(streamId, snapshotType);
    }

    @Override
    public Optional<Snapshot> loadLatestSnapshot(String streamId, String snapshotType, long atOrBeforeVersion) {
        return delegate.loadLatestSnapshot(streamId, snapshotType, atOrBeforeVersion);
    }

    @Override
    public List<RecordedEvent> readAll(LogPosition after, int limit) {
        return delegate.readAll(after, limit);
    }

    @Override
    public Optional<LogHead> head() {
        return delegate.head();
    }

    @Override
    public long countAfter(LogPosition after) {
        return delegate.countAfter(after);
    }
}
