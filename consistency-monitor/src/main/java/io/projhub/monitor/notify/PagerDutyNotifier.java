package io.projhub.monitor.notify;

import java.net.http.HttpClient;

import io.projhub.monitor.Alert;
import io.projhub.monitor.AlertTransition;
import io.projhub.monitor.Notification;
import io.projhub.monitor.NotifierSettings;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * PagerDuty Events API v2: {@code trigger} (also for a re-notification, which PagerDuty folds into the open incident)
 * and {@code resolve}, with {@code dedup_key} = the alert key. PagerDuty answers 202; 400 means the event itself is
 * invalid and is not retried; 429 and 5xx are retried.
 */
public final class PagerDutyNotifier extends HttpNotifier {

    private static final int MAX_SUMMARY = 1024;
    private static final int MAX_DEDUP_KEY = 255;

    public PagerDutyNotifier(NotifierSettings settings, HttpClient client, JsonMapper json) {
        super(settings, client, json);
    }

    @Override
    protected JsonNode body(Notification notification) {
        Alert alert = notification.alert();
        ObjectNode body = json.createObjectNode();
        body.put("routing_key", settings.routingKey());
        boolean resolve = notification.transition() == AlertTransition.RESOLVED;
        body.put("event_action", resolve ? "resolve" : "trigger");
        body.put("dedup_key", AlertText.truncate(alert.key(), MAX_DEDUP_KEY));
        if (!resolve) {
            ObjectNode payload = body.putObject("payload");
            payload.put("summary", AlertText.truncate(alert.summary(), MAX_SUMMARY));
            payload.put("source", settings.source());
            payload.put("severity", alert.severity().label());
            payload.put("timestamp", alert.firedAt().toString());
            if (alert.readModel() != null) {
                payload.put("component", alert.readModel());
            }
            payload.put("group", "consistency-monitor");
            payload.put("class", alert.kind().name());
            ObjectNode custom = payload.putObject("custom_details");
            custom.put("alert_id", alert.id());
            custom.put("key", alert.key());
            custom.put("status", alert.status().name());
            custom.put("notifications", alert.notifications());
            custom.set("details", alert.details());
            body.put("client", "Projection Hub");
            if (settings.generatorUrl() != null) {
                body.put("client_url", settings.generatorUrl().toString());
            }
        }
        return body;
    }
}
