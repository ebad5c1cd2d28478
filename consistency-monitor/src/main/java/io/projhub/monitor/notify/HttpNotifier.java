package io.projhub.monitor.notify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.projhub.monitor.DeliveryOutcome;
import io.projhub.monitor.Notification;
import io.projhub.monitor.Notifier;
import io.projhub.monitor.NotifierSettings;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A notifier that POSTs one JSON document per notification. Success is any 2xx; 408, 425, 429 and 5xx (and
 * connection failures, timeouts) are passing failures to retry, honouring {@code Retry-After} in seconds; any
 * other status is a refusal, not retried. Reasons never carry the URL, the routing key or header values.
 */
abstract class HttpNotifier implements Notifier {

    private static final int MAX_BODY_IN_REASON = 300;

    protected final NotifierSettings settings;
    protected final JsonMapper json;
    private final HttpClient client;
    private final List<String> secrets = new ArrayList<>();

    HttpNotifier(NotifierSettings settings, HttpClient client, JsonMapper json) {
        this.settings = settings;
        this.client = client;
        this.json = json;
        if (settings.url() != null) {
            secrets.add(settings.url().toString());
            if (settings.url().getRawPath() != null && settings.url().getRawPath().length() > 1) {
                secrets.add(settings.url().getRawPath());
            }
            if (settings.url().getRawQuery() != null) {
                secrets.add(settings.url().getRawQuery());
            }
        }
        if (settings.routingKey() != null) {
            secrets.add(settings.routingKey());
        }
        secrets.addAll(settings.headers().values());
        secrets.removeIf(String::isEmpty);
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public Duration timeout() {
        return settings.timeout();
    }

    /** Where this notification goes (usually the configured URL). */
    protected URI target(Notification notification) {
        return settings.url();
    }

    /** The JSON document for this notification. */
    protected abstract JsonNode body(Notification notification);

    @Override
    public DeliveryOutcome deliver(Notification notification) {
        HttpRequest request;
        try {
            HttpRequest.Builder builder = HttpRequest.newBuilder(target(notification))
                    .timeout(settings.timeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "projection-hub-consistency-monitor")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body(notification))));
            settings.headers().forEach(builder::header);
            request = builder.build();
        } catch (RuntimeException e) {
            return DeliveryOutcome.rejected("cannot build the request: " + redact(e.toString()));
        }
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return classify(response);
        } catch (HttpTimeoutException e) {
            return DeliveryOutcome.retryLater("no answer within " + settings.timeout());
        } catch (IOException e) {
            return DeliveryOutcome.retryLater(e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + redact(e.getMessage())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return DeliveryOutcome.retryLater("interrupted");
        }
    }

    protected DeliveryOutcome classify(HttpResponse<String> response) {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return DeliveryOutcome.delivered(status);
        }
        String body = response.body() == null ? ""
                : response.body().strip().replace('\n', ' ').replace('\r', ' ').replace('"', '\'');
        if (body.length() > MAX_BODY_IN_REASON) {
            body = body.substring(0, MAX_BODY_IN_REASON) + "…";
        }
        String reason = "HTTP " + status + (body.isEmpty() ? "" : ": " + redact(body));
        if (status == 408 || status == 425 || status == 429 || status >= 500) {
            return new DeliveryOutcome.RetryLater(reason, retryAfter(response).orElse(null));
        }
        return DeliveryOutcome.rejected(reason);
    }

    private static Optional<Duration> retryAfter(HttpResponse<String> response) {
        return response.headers().firstValue("Retry-After").flatMap(value -> {
            try {
                long seconds = Long.parseLong(value.strip());
                return seconds >= 0 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    /** The text with every secret of this notifier replaced by {@code ***}. */
    protected String redact(String text) {
        String result = text;
        for (String secret : secrets) {
            result = result.replace(secret, "***");
        }
        return result;
    }
}
