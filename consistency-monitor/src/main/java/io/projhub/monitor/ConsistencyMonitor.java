package io.projhub.monitor;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.projhub.core.eventstore.AppendResult;

/**
 * The seed's consistency manager, made real: measures each read model's lag from its own store, verifies every
 * tracked write on the read models that handle it (retrying with backoff and re-driving the stream), raises alerts
 * kept in PostgreSQL with a lifecycle (firing, re-notified, acknowledged, resolved) and delivers them to the
 * configured notifiers through an outbox.
 *
 * <p>The implementation is {@code io.projhub.monitor.internal.PostgresConsistencyMonitor}.
 */
public interface ConsistencyMonitor extends AutoCloseable {

    /** Starts measuring, verifying, evaluating alerts and dispatching notifications. Idempotent. */
    void start();

    /**
     * Tracks one append for verification: after the initial delay each monitored read model handling one of
     * {@code eventTypes} must report {@code result.newVersion()} or more for the stream. Never blocks and never
     * fails: a stream already tracked keeps only the newest version; beyond the cap the write is dropped and counted.
     */
    void track(AppendResult result, Set<String> eventTypes);

    /**
     * Changes the set of monitored read models while the monitor runs (definitions reloaded). Verifications pending
     * for read models that stay are kept; those of removed read models are dropped, their lag metrics removed, and
     * their firing stream alerts resolved as "read model removed"; new read models are verified for writes tracked
     * from now on and their lag measured. A read model is known by its name: one given again with a new probe (or
     * new event types) stays, and is probed with the new probe from then on; a name removed and added again starts
     * afresh. Thread-safe against the monitor's own work, {@link #track} and {@link #status()}.
     *
     * @param readModels the complete new set (unique names; may be empty)
     * @throws IllegalArgumentException if two read models have the same name (then nothing changes)
     * @throws IllegalStateException    if the monitor is closed
     */
    void replaceReadModels(List<MonitoredReadModel> readModels);

    /** Head, lag and verification figures as last measured; reads no store. */
    ConsistencyStatus status();

    /**
     * Alerts, newest first, optionally of one status.
     *
     * @throws IllegalArgumentException if {@code limit} is not in 1..1000
     */
    List<Alert> alerts(Optional<AlertStatus> status, int limit);

    /** One alert, if it exists. */
    Optional<Alert> alert(long id);

    /**
     * Acknowledges an alert: no more re-notifications (it still resolves, and the resolution is still notified).
     * Acknowledging again keeps the first acknowledgement.
     *
     * @return the alert, or empty if there is no alert with this id
     * @throws IllegalArgumentException if {@code by} is blank or longer than 200 characters
     */
    Optional<Alert> ack(long id, String by);

    /**
     * Raises the {@link AlertKind#DRIFT} alert of a read model (a drift audit found differences): a warning when the
     * audit repaired every one, critical when it could not. Kept firing (not raised twice) until {@link #resolveDrift}.
     */
    void raiseDrift(String readModel, boolean unrepaired, String summary, Map<String, Object> details);

    /** Resolves the DRIFT alerts of a read model: an audit found it exact. */
    void resolveDrift(String readModel, String resolution);

    /** Tracked writes dropped because the verification queue was full, since start. */
    long droppedVerifications();

    /** Stops every thread; pending notifications stay in the outbox and are sent by the next monitor. */
    @Override
    void close();
}
