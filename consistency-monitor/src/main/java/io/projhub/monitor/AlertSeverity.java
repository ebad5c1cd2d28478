package io.projhub.monitor;

import java.util.Locale;

/** PagerDuty's four severities, which Alertmanager and Slack receive as labels/text. */
public enum AlertSeverity {
    CRITICAL, ERROR, WARNING, INFO;

    /** Lower case, as PagerDuty and Alertmanager rules expect. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
