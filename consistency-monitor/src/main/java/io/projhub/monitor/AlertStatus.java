package io.projhub.monitor;

/** An alert is FIRING until its condition clears, then RESOLVED for good (a new occurrence is a new alert). */
public enum AlertStatus {
    FIRING, RESOLVED
}
