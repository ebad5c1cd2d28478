package io.projhub.monitor.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls a {@code MonitorListener}, never letting it break the monitor. */
final class Listeners {

    private static final Logger log = LoggerFactory.getLogger(Listeners.class);

    private Listeners() {
    }

    static void call(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("monitor event=listener-failed error=\"{}\"", Errors.describe(e));
        }
    }
}
