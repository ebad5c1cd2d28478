package io.projhub.monitor;

import java.time.Instant;

import tools.jackson.databind.JsonNode;

/**
 * An alert as kept in PostgreSQL. {@code readModel} names the read model (lane) it is about, or is null for
 * hub-wide alerts (frontier, poller); {@code streamId} is set for {@link AlertKind#STREAM_BEHIND}. {@code details}
 * is a JSON object (for a stream: expected and applied version, attempts, last error).
 */
public record Alert(long id, String key, AlertKind kind, String readModel, String streamId, AlertSeverity severity,
                    AlertStatus status, String summary, JsonNode details, Instant firedAt, Instant lastNotifiedAt,
                    int notifications, Instant ackedAt, String ackedBy, Instant resolvedAt, String resolution) {

    public boolean acknowledged() {
        return ackedAt != null;
    }
}
