package io.projhub.monitor.notify;

import java.net.http.HttpClient;
import java.time.Instant;

import io.projhub.monitor.Notification;
import io.projhub.monitor.NotifierSettings;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A generic JSON webhook: {@code {"transition", "deliveryId", "attempt", "sentAt", "alert": {...}}}, the alert as
 * {@code GET /api/alerts} shows it. {@code deliveryId} (the outbox row) is the same on every retry of one transition,
 * so a receiver can drop a repeat.
 */
public final class WebhookNotifier extends HttpNotifier {

    public WebhookNotifier(NotifierSettings settings, HttpClient client, JsonMapper json) {
        super(settings, client, json);
    }

    @Override
    protected JsonNode body(Notification notification) {
        ObjectNode body = json.createObjectNode();
        body.put("transition", notification.transition().name());
        body.put("deliveryId", notification.outboxId());
        body.put("attempt", notification.attempt());
        body.put("sentAt", Instant.now().toString());
        body.set("alert", json.valueToTree(notification.alert()));
        return body;
    }
}
