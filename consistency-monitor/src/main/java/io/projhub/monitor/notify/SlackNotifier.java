package io.projhub.monitor.notify;

import java.net.http.HttpClient;

import io.projhub.monitor.Alert;
import io.projhub.monitor.Notification;
import io.projhub.monitor.NotifierSettings;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Slack incoming webhook: {@code text} (the notification fallback) and two blocks, a section with the summary and
 * a context line with key, read model and times. Slack answers 200 {@code ok}; 4xx (invalid payload, channel gone)
 * is not retried, 429 and 5xx are.
 */
public final class SlackNotifier extends HttpNotifier {

    private static final int MAX_TEXT = 3000;

    public SlackNotifier(NotifierSettings settings, HttpClient client, JsonMapper json) {
        super(settings, client, json);
    }

    @Override
    protected JsonNode body(Notification notification) {
        Alert alert = notification.alert();
        String label = AlertText.label(notification.transition());
        ObjectNode body = json.createObjectNode();
        body.put("text", AlertText.truncate("[" + label + "] " + alert.severity().name() + " " + alert.key() + ": "
                + alert.summary(), MAX_TEXT));
        ArrayNode blocks = body.putArray("blocks");
        ObjectNode section = blocks.addObject();
        section.put("type", "section");
        ObjectNode text = section.putObject("text");
        text.put("type", "mrkdwn");
        text.put("text", AlertText.truncate("*[" + label + "] " + escape(alert.kind().alertName()) + "* ("
                + alert.severity().label() + ")\n" + escape(AlertText.description(alert)), MAX_TEXT));
        ObjectNode context = blocks.addObject();
        context.put("type", "context");
        ObjectNode line = context.putArray("elements").addObject();
        line.put("type", "mrkdwn");
        StringBuilder facts = new StringBuilder("key `").append(escape(alert.key())).append('`');
        if (alert.readModel() != null) {
            facts.append(" · read model ").append(escape(alert.readModel()));
        }
        facts.append(" · fired ").append(alert.firedAt());
        if (alert.resolvedAt() != null) {
            facts.append(" · resolved ").append(alert.resolvedAt());
        }
        line.put("text", facts.toString());
        return body;
    }

    /** Slack's three control characters in mrkdwn text. */
    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
