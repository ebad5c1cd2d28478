package io.projhub.core.projection;

import java.time.Instant;
import java.util.List;

import io.projhub.core.eventstore.LogPosition;

/**
 * The subscriber as a whole: the log head, the poller's last heartbeat, the frontier, and every lane.
 * {@code refusedBecause} is set when the subscriber refused to project at all (e.g. the log's transaction ids are
 * another cluster's), with what happened and how to recover; null normally.
 */
public record SubscriberStatus(LogPosition head, Instant headRecordedAt, Instant pollerHeartbeat,
                               FrontierStatus frontier, List<LaneStatus> lanes, String refusedBecause) {

    public SubscriberStatus(LogPosition head, Instant headRecordedAt, Instant pollerHeartbeat, FrontierStatus frontier,
                            List<LaneStatus> lanes) {
        this(head, headRecordedAt, pollerHeartbeat, frontier, lanes, null);
    }
}
