package io.projhub.server.monitor;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.springframework.beans.factory.ObjectProvider;

import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.IdempotencyKey;
import io.projhub.core.eventstore.LogHead;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.eventstore.Snapshot;
import io.projhub.monitor.ConsistencyMonitor;
import tools.jackson.databind.JsonNode;

/**
 * The event store as commands see it: every successful append is handed to the consistency monitor, which then
 * verifies that each read model handling those event types applies it (the seed's pending updates). The monitor
 * is looked up lazily because it reads through this same store.
 */
public final class TrackingEventStore implements EventStore {

    private final EventStore delegate;
    private final ObjectProvider<ConsistencyMonitor> monitor;

    public TrackingEventStore(EventStore delegate, ObjectProvider<ConsistencyMonitor> monitor) {
        this.delegate = delegate;
        this.monitor = monitor;
    }

    @Override
    public AppendResult append(String streamId, String streamType, ExpectedVersion expected, List<NewEvent> events,
                               IdempotencyKey key) {
        AppendResult result = delegate.append(streamId, streamType, expected, events, key);
        ConsistencyMonitor tracker = monitor.getIfAvailable();
        if (tracker != null) {
            Set<String> types = new LinkedHashSet<>();
            events.forEach(e -> types.add(e.type()));
            tracker.track(result, types);
        }
        return result;
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
    public Optional<LogHead> head() {
        return delegate.head();
    }

    @Override
    public long countAfter(LogPosition after) {
        return delegate.countAfter(after);
    }
}
