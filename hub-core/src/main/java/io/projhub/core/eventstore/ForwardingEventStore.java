package io.projhub.core.eventstore;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import tools.jackson.databind.JsonNode;

/**
 * An event store that hands every call to another one; decorators (tracking appends, counting reads) extend it
 * and override only what they add to.
 */
public abstract class ForwardingEventStore implements EventStore {

    private final EventStore delegate;

    protected ForwardingEventStore(EventStore delegate) {
        this.delegate = delegate;
    }

    protected EventStore delegate() {
        return delegate;
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
        return delegate.readStream(streamId, fromVersion);
    }

    @Override
    public List<RecordedEvent> readStream(String streamId, long fromVersion, long toVersion) {
        return delegate.readStream(streamId, fromVersion, toVersion);
    }

    @Override
    public List<RecordedEvent> readStreamUntil(String streamId, Instant asOf) {
        return delegate.readStreamUntil(streamId, asOf);
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
    public int maxReadAllLimit() {
        return delegate.maxReadAllLimit();
    }

    @Override
    public Optional<LogHead> head() {
        return delegate.head();
    }

    @Override
    public long countAfter(LogPosition after) {
        return delegate.countAfter(after);
    }

    @Override
    public List<StreamVersion> streamVersions(java.util.Set<String> eventTypes, LogPosition upTo, String afterStream,
                                              int limit) {
        return delegate.streamVersions(eventTypes, upTo, afterStream, limit);
    }

    @Override
    public java.util.Map<String, Long> streamVersions(java.util.Collection<String> streamIds,
                                                      java.util.Set<String> eventTypes) {
        return delegate.streamVersions(streamIds, eventTypes);
    }
}
