package io.projhub.monitor;

import java.time.Instant;
import java.util.List;

/**
 * What {@code GET /api/consistency} shows: the log head (token, null if the log is empty) and when it was recorded,
 * every monitored read model, and the verification queue.
 */
public record ConsistencyStatus(String head, Instant headRecordedAt, Instant measuredAt,
                                List<ReadModelConsistency> readModels, int pendingVerifications,
                                long droppedVerifications) {
}
