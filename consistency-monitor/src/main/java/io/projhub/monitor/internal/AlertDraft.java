package io.projhub.monitor.internal;

import io.projhub.monitor.AlertKind;
import io.projhub.monitor.AlertSeverity;
import tools.jackson.databind.node.ObjectNode;

/** An alert to raise: what {@link PostgresAlerts#raise} inserts unless one with the key is already firing. */
record AlertDraft(String key, AlertKind kind, String readModel, String streamId, Long expectedVersion,
                  AlertSeverity severity, String summary, ObjectNode details) {
}
