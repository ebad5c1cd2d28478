package io.projhub.monitor;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One configured notifier, validated when built. Which fields apply depends on {@code kind}:
 * <ul>
 *   <li>{@code LOG}: none.</li>
 *   <li>{@code WEBHOOK}: {@code url} (required), {@code headers} (e.g. an {@code Authorization} header).</li>
 *   <li>{@code ALERTMANAGER}: {@code url}, the Alertmanager base URL (required; {@code /api/v2/alerts} is added),
 *       {@code headers}, {@code generatorUrl} (a link back to the hub, sent as {@code generatorURL}).</li>
 *   <li>{@code PAGERDUTY}: {@code routingKey} (required, the integration key), {@code url} (defaults to
 *       {@link #PAGERDUTY_EVENTS_URL}), {@code source} (the event's {@code payload.source}).</li>
 *   <li>{@code SLACK}: {@code url}, the incoming-webhook URL (required).</li>
 * </ul>
 * Null optional fields take the defaults below. The URL, routing key and header values are secrets: they appear in
 * no log line and not in {@link #toString()}.
 */
public record NotifierSettings(String name, NotifierKind kind, URI url, String routingKey, Map<String, String> headers,
                               String source, URI generatorUrl, Duration timeout) {

    public static final URI PAGERDUTY_EVENTS_URL = URI.create("https://events.pagerduty.com/v2/enqueue");
    public static final String DEFAULT_SOURCE = "projection-hub";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}");

    public NotifierSettings {
        require(name != null && NAME.matcher(name).matches(), "name must match " + NAME.pattern());
        require(kind != null, "kind is required for notifier " + name);
        headers = headers == null ? Map.of() : Map.copyOf(new TreeMap<>(headers));
        source = source == null || source.isBlank() ? DEFAULT_SOURCE : source;
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        require(!timeout.isNegative() && !timeout.isZero() && timeout.compareTo(Duration.ofMinutes(5)) <= 0,
                "timeout of notifier " + name + " must be in (0, 5m]");
        if (kind == NotifierKind.PAGERDUTY && url == null) {
            url = PAGERDUTY_EVENTS_URL;
        }
        switch (kind) {
            case LOG -> require(url == null && routingKey == null && headers.isEmpty(),
                    "notifier " + name + " (log) takes no url, routing key or headers");
            case WEBHOOK, ALERTMANAGER -> {
                requireHttpUrl(name, url);
                require(routingKey == null, "notifier " + name + " takes no routing key");
            }
            case SLACK -> {
                requireHttpUrl(name, url);
                require(routingKey == null && headers.isEmpty(), "notifier " + name + " (slack) takes only a url");
            }
            case PAGERDUTY -> {
                requireHttpUrl(name, url);
                require(routingKey != null && !routingKey.isBlank(), "notifier " + name + " (pagerduty) needs a routing key");
                require(headers.isEmpty(), "notifier " + name + " (pagerduty) takes no headers");
            }
        }
        headers.forEach((header, value) -> {
            require(HEADER_NAME.matcher(header).matches(), "notifier " + name + ": bad header name");
            require(value != null && value.indexOf('\r') < 0 && value.indexOf('\n') < 0,
                    "notifier " + name + ": header " + header + " has a bad value");
        });
        if (generatorUrl != null) {
            requireHttpUrl(name, generatorUrl);
        }
    }

    public static NotifierSettings log(String name) {
        return new NotifierSettings(name, NotifierKind.LOG, null, null, null, null, null, null);
    }

    public static NotifierSettings webhook(String name, URI url) {
        return new NotifierSettings(name, NotifierKind.WEBHOOK, url, null, null, null, null, null);
    }

    public static NotifierSettings alertmanager(String name, URI baseUrl) {
        return new NotifierSettings(name, NotifierKind.ALERTMANAGER, baseUrl, null, null, null, null, null);
    }

    public static NotifierSettings pagerDuty(String name, String routingKey) {
        return new NotifierSettings(name, NotifierKind.PAGERDUTY, null, routingKey, null, null, null, null);
    }

    public static NotifierSettings slack(String name, URI webhookUrl) {
        return new NotifierSettings(name, NotifierKind.SLACK, webhookUrl, null, null, null, null, null);
    }

    public NotifierSettings withUrl(URI newUrl) {
        return new NotifierSettings(name, kind, newUrl, routingKey, headers, source, generatorUrl, timeout);
    }

    public NotifierSettings withHeaders(Map<String, String> newHeaders) {
        return new NotifierSettings(name, kind, url, routingKey, newHeaders, source, generatorUrl, timeout);
    }

    public NotifierSettings withSource(String newSource) {
        return new NotifierSettings(name, kind, url, routingKey, headers, newSource, generatorUrl, timeout);
    }

    public NotifierSettings withGeneratorUrl(URI newGeneratorUrl) {
        return new NotifierSettings(name, kind, url, routingKey, headers, source, newGeneratorUrl, timeout);
    }

    public NotifierSettings withTimeout(Duration newTimeout) {
        return new NotifierSettings(name, kind, url, routingKey, headers, source, generatorUrl, newTimeout);
    }

    /** Names the notifier and its receiver's host, never the secrets (path, query, key, header values). */
    @Override
    public String toString() {
        return "NotifierSettings[name=" + name + ", kind=" + kind.name().toLowerCase(Locale.ROOT)
                + (url == null ? "" : ", host=" + url.getHost())
                + (routingKey == null ? "" : ", routingKey=***")
                + (headers.isEmpty() ? "" : ", headers=" + headers.keySet())
                + ", timeout=" + timeout + "]";
    }

    private static void requireHttpUrl(String name, URI url) {
        require(url != null, "notifier " + name + " needs a url");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        require(url.isAbsolute() && (scheme.equals("http") || scheme.equals("https")) && url.getHost() != null,
                "notifier " + name + ": the url must be an absolute http(s) URL");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("notifier settings: " + message);
        }
    }
}
