package io.projhub.core.projection;

import java.util.Map;

import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.projection.internal.PollingProjectionSubscriber;

/** The subscribers hub-core offers, behind the public {@link ProjectionSubscriber} interface. */
public final class ProjectionSubscribers {

    private ProjectionSubscribers() {
    }

    /**
     * The gap-safe polling subscriber over the event store's log in {@code dataSource}: one lane per projector, with
     * its settings, in the order lanes are reported; dead letters and statistics in the same database.
     */
    public static ProjectionSubscriber polling(DataSource dataSource, EventStore store,
                                               Map<Projector, LaneSettings> projectors, SubscriberSettings settings,
                                               MeterRegistry registry) {
        return new PollingProjectionSubscriber(dataSource, store, projectors, settings, registry);
    }
}
