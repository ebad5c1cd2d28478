package io.projhub.monitor;

/** The notifiers the module ships. */
public enum NotifierKind {
    /** Writes each transition to the application log (slf4j). */
    LOG,
    /** POSTs {@code {"transition", "alert": {...}, "sentAt"}} to any URL, with optional headers. */
    WEBHOOK,
    /** Prometheus Alertmanager, {@code POST {url}/api/v2/alerts}; resolved by {@code endsAt}. */
    ALERTMANAGER,
    /** PagerDuty Events API v2: trigger/resolve with {@code dedup_key} = the alert key. */
    PAGERDUTY,
    /** A Slack incoming webhook: {@code text} plus simple blocks. */
    SLACK
}
