package io.projhub.monitor.internal;

import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.resilience4j.core.IntervalFunction;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.projhub.monitor.Alert;
import io.projhub.monitor.DeliveryOutcome;
import io.projhub.monitor.Notification;
import io.projhub.monitor.Notifier;
import io.projhub.monitor.OutboxSettings;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one thread that delivers the outbox. Each round claims a batch of due rows of our notifiers, delivers them one
 * by one and marks each SENT, PENDING again (with backoff) or FAILED. Once a notifier fails in a round, its other
 * rows of the round are given back untried, so a receiver that is down costs one timeout per round, not one per row.
 *
 * <p>Delivery is at least once with a narrow window: a notification is marked SENT after the receiver accepted it,
 * so a crash between the two (or an interrupt while waiting for the answer) leaves the row SENDING, and it is sent
 * again once its lease ran out. Receivers deduplicate such a repeat by the alert key (PagerDuty's
 * {@code dedup_key}, Alertmanager's label set) or the outbox id.
 */
final class OutboxDispatcher implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(OutboxDispatcher.class);

    private final PostgresOutbox outbox;
    private final Map<String, Notifier> notifiers;
    private final OutboxSettings settings;
    private final JsonMapper json;
    private final IntervalFunction backoff;
    private final Map<String, Counter> sent = new HashMap<>();
    private final Map<String, Counter> retried = new HashMap<>();
    private final Map<String, Counter> failed = new HashMap<>();
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean stopping;
    private Thread thread;

    OutboxDispatcher(PostgresOutbox outbox, List<Notifier> notifiers, OutboxSettings settings, JsonMapper json,
                     MeterRegistry registry) {
        this.outbox = outbox;
        this.notifiers = new LinkedHashMap<>();
        notifiers.forEach(n -> this.notifiers.put(n.name(), n));
        this.settings = settings;
        this.json = json;
        this.backoff = settings.backoff();
        for (String name : this.notifiers.keySet()) {
            sent.put(name, counter(registry, name, "sent"));
            retried.put(name, counter(registry, name, "retry"));
            failed.put(name, counter(registry, name, "failed"));
        }
    }

    private static Counter counter(MeterRegistry registry, String notifier, String outcome) {
        return Counter.builder("projhub_alert_notifications").tag("notifier", notifier).tag("outcome", outcome)
                .description("Alert notification attempts by outcome").register(registry);
    }

    synchronized void start() {
        if (thread != null || notifiers.isEmpty()) {
            return;
        }
        thread = new Thread(this, "alert-outbox-dispatcher");
        thread.setDaemon(true);
        thread.start();
    }

    /** Looks for due rows now (a transition was just committed). */
    void wake() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    /** Lets the delivery in flight finish (up to {@code timeout}), gives the rest of the batch back, and stops. */
    void stop(Duration timeout) {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        stopping = true;
        wake.release();
        if (t == null) {
            return;
        }
        try {
            t.join(timeout.toMillis());
            if (t.isAlive()) {
                // Its row stays SENDING and is delivered again after the lease: at least once.
                t.interrupt();
                t.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        while (!stopping && !Thread.currentThread().isInterrupted()) {
            int claimed = 0;
            try {
                claimed = dispatchOnce();
            } catch (SQLException | RuntimeException e) {
                log.warn("outbox event=dispatch-failed error=\"{}\"", e.toString());
            }
            if (claimed < settings.batchSize()) {
                try {
                    wake.tryAcquire(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                    wake.drainPermits();
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    int dispatchOnce() throws SQLException {
        List<PostgresOutbox.Claimed> batch = outbox.claim(notifiers.keySet(), settings.batchSize(), settings.lease());
        Map<String, Duration> failing = new HashMap<>();
        for (PostgresOutbox.Claimed row : batch) {
            if (Thread.currentThread().isInterrupted()) {
                return batch.size(); // not knowing whether the receiver got it: the lease decides
            }
            if (stopping) {
                outbox.release(row.id(), Duration.ZERO);
                continue;
            }
            Duration notifierBackoff = failing.get(row.notifier());
            if (notifierBackoff != null) {
                outbox.release(row.id(), notifierBackoff);
                continue;
            }
            deliver(row, failing);
        }
        return batch.size();
    }

    private void deliver(PostgresOutbox.Claimed row, Map<String, Duration> failing) throws SQLException {
        Notifier notifier = notifiers.get(row.notifier());
        Alert alert;
        try {
            alert = row.alert(json);
        } catch (RuntimeException e) {
            outbox.failed(row.id(), "unreadable payload: " + e.getMessage());
            log.error("outbox event=failed notifier={} outbox_id={} reason=unreadable-payload", row.notifier(), row.id());
            return;
        }
        DeliveryOutcome outcome;
        try {
            outcome = notifier.deliver(new Notification(row.id(), row.transition(), alert, row.attempt()));
        } catch (RuntimeException e) {
            outcome = DeliveryOutcome.retryLater(e.getClass().getSimpleName());
        }
        if (Thread.currentThread().isInterrupted()) {
            return;
        }
        if (outcome instanceof DeliveryOutcome.Delivered delivered) {
            outbox.sent(row.id());
            sent.get(row.notifier()).increment();
            log.info("outbox event=sent notifier={} key={} transition={} attempt={} http_status={}",
                    row.notifier(), alert.key(), row.transition(), row.attempt(), delivered.httpStatus());
        } else if (outcome instanceof DeliveryOutcome.RetryLater retry) {
            if (row.attempt() >= settings.maxAttempts()) {
                outbox.failed(row.id(), retry.reason());
                failed.get(row.notifier()).increment();
                log.error("outbox event=failed notifier={} key={} transition={} attempts={} reason=\"{}\"",
                        row.notifier(), alert.key(), row.transition(), row.attempt(), retry.reason());
                return;
            }
            Duration backoff = Duration.ofMillis(this.backoff.apply(row.attempt()));
            if (retry.retryAfter() != null && retry.retryAfter().compareTo(backoff) > 0) {
                backoff = retry.retryAfter().compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff()
                        : retry.retryAfter();
            }
            outbox.retry(row.id(), backoff, retry.reason());
            retried.get(row.notifier()).increment();
            failing.put(row.notifier(), backoff);
            log.warn("outbox event=retry notifier={} key={} transition={} attempt={} retry_in_ms={} reason=\"{}\"",
                    row.notifier(), alert.key(), row.transition(), row.attempt(), backoff.toMillis(), retry.reason());
        } else if (outcome instanceof DeliveryOutcome.Rejected rejected) {
            outbox.failed(row.id(), rejected.reason());
            failed.get(row.notifier()).increment();
            log.error("outbox event=rejected notifier={} key={} transition={} attempt={} reason=\"{}\"",
                    row.notifier(), alert.key(), row.transition(), row.attempt(), rejected.reason());
        }
    }
}
