package io.projhub.core.projection;

import java.time.Instant;
import java.util.List;

import io.projhub.core.eventstore.LogPosition;

/** The subscriber as a whole: the log head, the poller's last heartbeat, the frontier, and every lane. */
public record SubscriberStatus(LogPosition head, Instant headRecordedAt, Instant pollerHeartbeat,
                               FrontierStatus frontier, List<LaneStatus> lanes) {
}
