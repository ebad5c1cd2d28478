package io.projhub.monitor.notify;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.projhub.monitor.Notifier;
import io.projhub.monitor.NotifierSettings;
import tools.jackson.databind.json.JsonMapper;

/** Builds the configured notifiers. */
public final class Notifiers {

    private Notifiers() {
    }

    /** With a client of its own: HTTP/1.1, 5 s connect timeout, no redirects (a redirect is a refusal). */
    public static List<Notifier> create(List<NotifierSettings> settings) {
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        return create(settings, client);
    }

    /**
     * @throws IllegalArgumentException if two notifiers have the same name
     */
    public static List<Notifier> create(List<NotifierSettings> settings, HttpClient client) {
        JsonMapper json = JsonMapper.builder().build();
        Set<String> names = new HashSet<>();
        List<Notifier> notifiers = new ArrayList<>();
        for (NotifierSettings s : settings) {
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("notifier settings: two notifiers are named " + s.name());
            }
            notifiers.add(switch (s.kind()) {
                case LOG -> new LogNotifier(s.name());
                case WEBHOOK -> new WebhookNotifier(s, client, json);
                case ALERTMANAGER -> new AlertmanagerNotifier(s, client, json);
                case PAGERDUTY -> new PagerDutyNotifier(s, client, json);
                case SLACK -> new SlackNotifier(s, client, json);
            });
        }
        return List.copyOf(notifiers);
    }
}
