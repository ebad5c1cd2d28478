package io.projhub.monitor;

/** The changes of an alert that are notified: each one becomes one outbox row per configured notifier. */
public enum AlertTransition {
    /** Raised. */
    FIRING,
    /** Still firing and not acknowledged after the re-notify interval. */
    RENOTIFY,
    /** The condition cleared. */
    RESOLVED
}
