package io.projhub.monitor;

/**
 * Observes the monitor at work (tests, diagnostics). Called on the monitor's threads: implementations must be quick
 * and thread-safe; what they throw is logged and ignored.
 */
public interface MonitorListener {

    MonitorListener NONE = new MonitorListener() {
    };

    /** A tracked write was checked on one read model. */
    default void verificationChecked(VerificationCheck check) {
    }

    /** A read model's lane was asked to re-drive a stream ({@code attempt} is the failed check it follows, 0 for a
     *  firing alert's re-check). */
    default void redriveRequested(String readModel, String streamId, int attempt) {
    }

    /** An alert was raised, re-notified or resolved (after its transaction committed). */
    default void alertChanged(Alert alert, AlertTransition transition) {
    }
}
