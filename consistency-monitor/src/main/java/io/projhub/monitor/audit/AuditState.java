package io.projhub.monitor.audit;

/** Where an audit is: running, done (with or without differences), or failed (a store or the log unreachable). */
public enum AuditState {
    RUNNING, DONE, FAILED
}
