package io.projhub.server.monitor;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.springframework.beans.factory.ObjectProvider;

import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.ForwardingEventStore;
import io.projhub.core.eventstore.IdempotencyKey;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.monitor.ConsistencyMonitor;

/**
 * The event store as commands see it: every successful append is handed to the consistency monitor, which then
 * verifies that each read model handling those event types applies it (the seed's pending updates). The monitor
 * is looked up lazily because it reads through this same store.
 */
public final class TrackingEventStore extends ForwardingEventStore {

    private final ObjectProvider<ConsistencyMonitor> monitor;

    public TrackingEventStore(EventStore delegate, ObjectProvider<ConsistencyMonitor> monitor) {
        super(delegate);
        this.monitor = monitor;
    }

    @Override
    public AppendResult append(String streamId, String streamType, ExpectedVersion expected, List<NewEvent> events,
                               IdempotencyKey key) {
        AppendResult result = delegate().append(streamId, streamType, expected, events, key);
        ConsistencyMonitor tracker = monitor.getIfAvailable();
        if (tracker != null) {
            Set<String> types = new LinkedHashSet<>();
            events.forEach(e -> types.add(e.type()));
            tracker.track(result, types);
        }
        return result;
    }
}
