package io.projhub.monitor.notify;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.projhub.monitor.Alert;
import io.projhub.monitor.AlertTransition;
import io.projhub.monitor.DeliveryOutcome;
import io.projhub.monitor.Notification;
import io.projhub.monitor.Notifier;

/** Writes each transition to the log ({@code io.projhub.alerts}): WARN while firing, INFO when resolved. */
public final class LogNotifier implements Notifier {

    private static final Logger log = LoggerFactory.getLogger("io.projhub.alerts");

    private final String name;

    public LogNotifier(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public DeliveryOutcome deliver(Notification notification) {
        Alert alert = notification.alert();
        String line = "alert transition={} id={} key={} severity={} read_model={} summary=\"{}\"";
        Object[] args = {notification.transition(), alert.id(), alert.key(), alert.severity(), alert.readModel(),
                AlertText.description(alert)};
        if (notification.transition() == AlertTransition.RESOLVED) {
            log.info(line, args);
        } else {
            log.warn(line, args);
        }
        return DeliveryOutcome.delivered(0);
    }
}
