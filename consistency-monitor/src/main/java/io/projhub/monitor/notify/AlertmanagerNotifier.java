package io.projhub.monitor.notify;

import java.net.URI;
import java.net.http.HttpClient;

import io.projhub.monitor.Alert;
import io.projhub.monitor.AlertTransition;
import io.projhub.monitor.Notification;
import io.projhub.monitor.NotifierSettings;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Prometheus Alertmanager: {@code POST {url}/api/v2/alerts} with one alert whose labels ({@code alertname},
 * {@code read_model}, {@code severity}, {@code key}) identify it the same way on every transition; firing alerts
 * carry {@code startsAt}, the resolution also {@code endsAt}.
 *
 * <p>Alertmanager resolves an alert by itself when it is not sent again within its {@code resolve_timeout}
 * (5 minutes by default): keep the re-notify interval below it, and silence in Alertmanager rather than
 * acknowledging in the hub (an acknowledged alert is not re-sent).
 */
public final class AlertmanagerNotifier extends HttpNotifier {

    private final URI endpoint;

    public AlertmanagerNotifier(NotifierSettings settings, HttpClient client, JsonMapper json) {
        super(settings, client, json);
        String base = settings.url().toString();
        this.endpoint = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/api/v2/alerts");
    }

    @Override
    protected URI target(Notification notification) {
        return endpoint;
    }

    @Override
    protected JsonNode body(Notification notification) {
        Alert alert = notification.alert();
        ArrayNode body = json.createArrayNode();
        ObjectNode entry = body.addObject();
        ObjectNode labels = entry.putObject("labels");
        labels.put("alertname", alert.kind().alertName());
        if (alert.readModel() != null) {
            labels.put("read_model", alert.readModel());
        }
        labels.put("severity", alert.severity().label());
        labels.put("key", alert.key());
        ObjectNode annotations = entry.putObject("annotations");
        annotations.put("summary", alert.summary());
        annotations.put("description", AlertText.description(alert));
        entry.put("startsAt", alert.firedAt().toString());
        if (notification.transition() == AlertTransition.RESOLVED && alert.resolvedAt() != null) {
            entry.put("endsAt", alert.resolvedAt().toString());
        }
        if (settings.generatorUrl() != null) {
            entry.put("generatorURL", settings.generatorUrl().toString());
        }
        return body;
    }
}
