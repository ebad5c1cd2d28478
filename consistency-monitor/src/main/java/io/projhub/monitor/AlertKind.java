package io.projhub.monitor;

/** What an alert is about; each kind has its key form and default severity. */
public enum AlertKind {
    /** A read model had not applied a tracked write after the verification's last attempt: {@code <read_model>:<stream>}. */
    STREAM_BEHIND("ProjhubStreamBehind", AlertSeverity.ERROR),
    /** The log head moved on but a lane's checkpoint did not, for longer than allowed: {@code <lane>:stalled}. */
    LANE_STALLED("ProjhubLaneStalled", AlertSeverity.CRITICAL),
    /** A transaction in flight has held back the gap-safe frontier too long: {@code frontier:pinned}. */
    FRONTIER_PINNED("ProjhubFrontierPinned", AlertSeverity.WARNING),
    /** A lane has dead letters waiting for a replay: {@code <lane>:dead-letters}. */
    DEAD_LETTERS("ProjhubDeadLetters", AlertSeverity.ERROR),
    /** The shared poller has not read the log for too long: {@code poller:heartbeat}. */
    POLLER_HEARTBEAT("ProjhubPollerHeartbeatMissing", AlertSeverity.CRITICAL),
    /**
     * A read model's store says it applied an event the log does not hold (PostgreSQL restored from a backup older
     * than the stores): {@code <lane>:checkpoint-not-in-log}.
     */
    CHECKPOINT_NOT_IN_LOG("ProjhubCheckpointNotInLog", AlertSeverity.CRITICAL),
    /**
     * The subscriber refuses to project: the log's transaction ids are another PostgreSQL cluster's (the log was
     * restored with pg_dump/pg_restore): {@code log:restored}.
     */
    LOG_RESTORED("ProjhubLogRestored", AlertSeverity.CRITICAL),
    /**
     * A drift audit found a read model different from the log: {@code <read_model>:drift} (warning, every difference
     * repaired) or {@code <read_model>:drift-unrepaired} (critical); resolved by a clean audit.
     */
    DRIFT("ProjhubReadModelDrift", AlertSeverity.WARNING);

    private final String alertName;
    private final AlertSeverity severity;

    AlertKind(String alertName, AlertSeverity severity) {
        this.alertName = alertName;
        this.severity = severity;
    }

    /** The name alerting systems know it by (Alertmanager's {@code alertname}). */
    public String alertName() {
        return alertName;
    }

    public AlertSeverity severity() {
        return severity;
    }
}
