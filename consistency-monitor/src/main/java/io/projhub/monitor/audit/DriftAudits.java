package io.projhub.monitor.audit;

import java.util.List;
import java.util.Optional;

import io.projhub.monitor.MonitoredReadModel;

/**
 * Proves read models against the log and repairs what drifted behind the hub's back (an index deleted, keys evicted,
 * rows edited, a store restored from an old backup).
 *
 * <p>A version audit walks every stream the read model handles, in stream id order and in pages (bounded memory):
 * the log's last version of the stream at the read model's checkpoint against the version the store recorded. A
 * difference is read again after a short delay before it is recorded (a write in flight is not drift). Missing and
 * stale streams are applied again by the read model's own lane, between its batches ({@code redrive}), then read
 * back. The store's version records are then walked for streams the log does not back ({@code extra}: reported,
 * never removed by the audit). Streams behind a dead letter are reported {@code parked} and left alone.
 *
 * <p>The implementation is {@code io.projhub.monitor.internal.PostgresDriftAudits}.
 */
public interface DriftAudits extends AutoCloseable {

    /** Starts the periodic audits ({@link AuditSettings#interval()}). Idempotent. */
    void start();

    /**
     * Starts an audit of one read model in the background.
     *
     * @return the audit as recorded (state RUNNING)
     * @throws IllegalArgumentException if there is no such read model
     * @throws AuditRunningException    if an audit of it is running (on any hub)
     */
    AuditReport request(String readModel, AuditRequest request);

    /**
     * Starts a version audit of a read model outside the audited set: a build beside the live one, before queries
     * switch to it (its lane's name, its probe and event types).
     *
     * @throws AuditRunningException if an audit of it is running (on any hub)
     */
    AuditReport request(MonitoredReadModel build, AuditRequest request);

    Optional<AuditReport> audit(long id);

    /** Audits, newest first; of one read model, or of all with {@code readModel} null. */
    List<AuditReport> audits(String readModel, int limit);

    /** The newest audit of each read model audited. */
    List<AuditReport> latest();

    /** The read models to audit (definitions reloaded); an audit running for one removed finishes. */
    void replaceReadModels(List<MonitoredReadModel> readModels);

    @Override
    void close();

    /** An audit of the read model is running already. */
    final class AuditRunningException extends RuntimeException {
        private final long runningId;

        public AuditRunningException(String readModel, long runningId) {
            super("an audit of read model " + readModel + " is running: " + runningId);
            this.runningId = runningId;
        }

        public long runningId() {
            return runningId;
        }
    }
}
