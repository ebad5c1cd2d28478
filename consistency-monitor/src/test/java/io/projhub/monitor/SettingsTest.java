package io.projhub.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Settings are validated when built, and a notifier's secrets never show in its description. */
class SettingsTest {

    @Test
    void theDefaultsAreValidAndMatchTheSeed() {
        assertThat(MonitorSettings.DEFAULTS.verification().initialDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(MonitorSettings.DEFAULTS.verification().maxTracked()).isEqualTo(10_000);
        assertThat(MonitorSettings.DEFAULTS.verification().intervalFunction().apply(1)).isBetween(400L, 600L);
    }

    @Test
    void badVerificationSettingsAreRejectedNamingTheField() {
        VerificationSettings d = VerificationSettings.DEFAULTS;
        assertThatThrownBy(() -> d.withBackoff(Duration.ZERO, 2, 0, Duration.ofSeconds(1), 3))
                .hasMessageContaining("initialInterval");
        assertThatThrownBy(() -> d.withBackoff(Duration.ofSeconds(2), 2, 0, Duration.ofSeconds(1), 3))
                .hasMessageContaining("maxInterval");
        assertThatThrownBy(() -> d.withBackoff(Duration.ofSeconds(1), 0.5, 0, Duration.ofSeconds(1), 3))
                .hasMessageContaining("multiplier");
        assertThatThrownBy(() -> d.withBackoff(Duration.ofSeconds(1), 2, 1.0, Duration.ofSeconds(1), 3))
                .hasMessageContaining("jitter");
        assertThatThrownBy(() -> d.withBackoff(Duration.ofSeconds(1), 2, 0, Duration.ofSeconds(1), 0))
                .hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> d.withMaxTracked(0)).hasMessageContaining("maxTracked");
        assertThatThrownBy(() -> d.withInitialDelay(Duration.ofSeconds(-1))).hasMessageContaining("initialDelay");
        assertThatThrownBy(() -> AlertSettings.DEFAULTS.withRenotifyInterval(Duration.ZERO))
                .hasMessageContaining("renotifyInterval");
        assertThatThrownBy(() -> OutboxSettings.DEFAULTS.withRetry(Duration.ofSeconds(1), 2, Duration.ofSeconds(1), 0))
                .hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> MonitorSettings.DEFAULTS.withVerification(null)).hasMessageContaining("verification");
    }

    @Test
    void notifierSettingsRequireWhatTheirKindNeedsAndHideTheirSecrets() {
        NotifierSettings pagerDuty = NotifierSettings.pagerDuty("pd", "super-secret-routing-key");
        assertThat(pagerDuty.url()).isEqualTo(NotifierSettings.PAGERDUTY_EVENTS_URL);
        assertThat(pagerDuty.toString()).doesNotContain("super-secret-routing-key").contains("routingKey=***");

        NotifierSettings slack = NotifierSettings.slack("slack", URI.create("https://hooks.slack.com/services/T1/B2/tok3n"));
        assertThat(slack.toString()).doesNotContain("tok3n").doesNotContain("/services").contains("hooks.slack.com");

        NotifierSettings hook = NotifierSettings.webhook("hook", URI.create("https://example.com/h?token=abc"))
                .withHeaders(Map.of("Authorization", "Bearer xyz"));
        assertThat(hook.toString()).doesNotContain("abc").doesNotContain("xyz").contains("Authorization");

        assertThatThrownBy(() -> NotifierSettings.pagerDuty("pd", " ")).hasMessageContaining("routing key");
        assertThatThrownBy(() -> NotifierSettings.slack("slack", null)).hasMessageContaining("needs a url");
        assertThatThrownBy(() -> NotifierSettings.webhook("hook", URI.create("ftp://example.com/x")))
                .hasMessageContaining("http(s)");
        assertThatThrownBy(() -> NotifierSettings.log("bad name!")).hasMessageContaining("name");
        assertThatThrownBy(() -> NotifierSettings.webhook("hook", URI.create("https://example.com"))
                .withHeaders(Map.of("X-Bad", "a\nb"))).hasMessageContaining("bad value");
        assertThatThrownBy(() -> NotifierSettings.log("log").withTimeout(Duration.ZERO)).hasMessageContaining("timeout");
    }
}
