package io.projhub.monitor;

import java.time.Duration;

/**
 * Sends alert transitions somewhere on-call looks (a log, a webhook, Alertmanager, PagerDuty, Slack). Called only by
 * the outbox dispatcher, one notification at a time; it never retries itself and never throws for a failed delivery
 * (it says so in the outcome). Implementations must not log or return their secrets (routing keys, webhook URLs).
 */
public interface Notifier {

    /** Unique among the configured notifiers; outbox rows are addressed by it. */
    String name();

    DeliveryOutcome deliver(Notification notification);

    /** The longest one delivery may take; the outbox lease must be longer. */
    default Duration timeout() {
        return Duration.ZERO;
    }
}
