package io.projhub.monitor.notify;

import java.util.Map;
import java.util.StringJoiner;

import io.projhub.monitor.Alert;
import io.projhub.monitor.AlertTransition;
import tools.jackson.databind.JsonNode;

/** Plain-text renderings of an alert shared by the notifiers. */
final class AlertText {

    private AlertText() {
    }

    /** FIRING, STILL FIRING or RESOLVED. */
    static String label(AlertTransition transition) {
        return switch (transition) {
            case FIRING -> "FIRING";
            case RENOTIFY -> "STILL FIRING";
            case RESOLVED -> "RESOLVED";
        };
    }

    /** The details as {@code key=value, ...} (nulls left out), then the resolution if any. */
    static String description(Alert alert) {
        StringJoiner parts = new StringJoiner(", ");
        JsonNode details = alert.details();
        if (details != null && details.isObject()) {
            for (Map.Entry<String, JsonNode> field : details.properties()) {
                if (!field.getValue().isNull()) {
                    parts.add(field.getKey() + "=" + (field.getValue().isValueNode() ? field.getValue().asString()
                            : field.getValue().toString()));
                }
            }
        }
        StringBuilder text = new StringBuilder(alert.summary());
        if (parts.length() > 0) {
            text.append(" [").append(parts).append(']');
        }
        if (alert.resolution() != null) {
            text.append(" Resolved: ").append(alert.resolution()).append('.');
        }
        if (alert.ackedBy() != null) {
            text.append(" Acknowledged by ").append(alert.ackedBy()).append('.');
        }
        return text.toString();
    }

    static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
