package io.projhub.server.monitor;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.projhub.monitor.AlertSettings;
import io.projhub.monitor.MonitorSettings;
import io.projhub.monitor.NotifierKind;
import io.projhub.monitor.NotifierSettings;
import io.projhub.monitor.VerificationSettings;

/**
 * The consistency monitor ({@code projhub.monitor.*}). Every value left out takes the monitor's own default
 * ({@link MonitorSettings#DEFAULTS}), so the defaults live in one place.
 */
@ConfigurationProperties("projhub.monitor")
public record MonitorProperties(@DefaultValue("true") boolean enabled, Duration lagInterval,
                                Verification verification, Alerts alerts, List<Notifier> notifiers) {

    public record Verification(Duration initialDelay, Duration initialInterval, Double multiplier, Double jitter,
                               Duration maxInterval, Integer maxAttempts, Integer maxTracked) {
    }

    public record Alerts(Duration evaluationInterval, Duration recheckInterval, Duration renotifyInterval,
                         Duration laneStalledAfter, Duration frontierPinnedAfter, Duration heartbeatTimeout) {
    }

    /** One notifier: {@code kind} is LOG, WEBHOOK, ALERTMANAGER, PAGERDUTY or SLACK. */
    public record Notifier(String name, NotifierKind kind, URI url, String routingKey, Map<String, String> headers,
                           String source, URI generatorUrl, Duration timeout) {
        @Override
        public String toString() {
            return "Notifier[name=" + name + ", kind=" + kind + "]"; // urls and keys may hold secrets
        }
    }

    public MonitorSettings settings() {
        MonitorSettings base = MonitorSettings.DEFAULTS;
        if (lagInterval != null) {
            base = base.withLagInterval(lagInterval);
        }
        if (verification != null) {
            VerificationSettings v = base.verification();
            base = base.withVerification(new VerificationSettings(
                    or(verification.initialDelay(), v.initialDelay()), or(verification.initialInterval(), v.initialInterval()),
                    or(verification.multiplier(), v.multiplier()), or(verification.jitter(), v.jitter()),
                    or(verification.maxInterval(), v.maxInterval()), or(verification.maxAttempts(), v.maxAttempts()),
                    or(verification.maxTracked(), v.maxTracked()), v.tick(), v.maxInFlight()));
        }
        if (alerts != null) {
            AlertSettings a = base.alerts();
            base = base.withAlerts(new AlertSettings(
                    or(alerts.evaluationInterval(), a.evaluationInterval()), or(alerts.recheckInterval(), a.recheckInterval()),
                    or(alerts.renotifyInterval(), a.renotifyInterval()), or(alerts.laneStalledAfter(), a.laneStalledAfter()),
                    or(alerts.frontierPinnedAfter(), a.frontierPinnedAfter()), or(alerts.heartbeatTimeout(), a.heartbeatTimeout())));
        }
        return base;
    }

    public List<NotifierSettings> notifierSettings() {
        if (notifiers == null || notifiers.isEmpty()) {
            return List.of(NotifierSettings.log("log"));
        }
        return notifiers.stream().map(n -> new NotifierSettings(n.name(), n.kind(), n.url(), n.routingKey(),
                n.headers(), n.source(), n.generatorUrl(), n.timeout())).toList();
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
