package io.projhub.core.projection.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.SubscriberSettings;

/**
 * The shared reader of the global log: one gap-safe read feeds every lane that is caught up. It wakes early on
 * PostgreSQL {@code NOTIFY projhub_events} (sent after appends, one for the commits of up to 10 ms) and polls on an
 * interval as the guarantee, since a notified event may still sit behind an older transaction in flight. It reads at
 * most once per {@code readGap} unless the last read was full.
 */
final class GapSafePoller implements Runnable {

    static final String CHANNEL = "projhub_events";
    private static final Logger log = LoggerFactory.getLogger(GapSafePoller.class);

    private final DataSource dataSource;
    private final EventStore store;
    private final LogStatistics statistics;
    /** The lanes now: an immutable snapshot, replaced as a whole when the set of lanes changes (read per delivery). */
    private final Supplier<? extends Collection<ProjectionLane>> lanes;
    private final SubscriberSettings settings;
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);

    private volatile boolean running = true;
    private volatile LogPosition tail;
    private volatile Instant heartbeat;
    private Connection listenConnection;

    GapSafePoller(DataSource dataSource, EventStore store, LogStatistics statistics,
                  Supplier<? extends Collection<ProjectionLane>> lanes, SubscriberSettings settings) {
        this.dataSource = dataSource;
        this.store = store;
        this.statistics = statistics;
        this.lanes = lanes;
        this.settings = settings;
    }

    /** The last position the poller has read; lanes behind it read on their own. Before start: the start. */
    LogPosition tail() {
        LogPosition t = tail;
        return t == null ? LogPosition.START : t;
    }

    Instant heartbeat() {
        return heartbeat;
    }

    @Override
    public void run() {
        Thread.currentThread().setName("gap-safe-poller");
        try {
            tail = startingTail();
            if (tail == null) {
                return;
            }
            log.info("poller event=started tail={}", tail.token());
            int failures = 0;
            long gap = settings.readGap().toNanos();
            long lastRead = System.nanoTime() - gap;
            boolean behind = false;
            while (running) {
                try {
                    long sinceLastRead = System.nanoTime() - lastRead;
                    if (!behind && sinceLastRead < gap) {
                        pause((gap - sinceLastRead) / 1_000_000);
                        if (!running) {
                            break;
                        }
                    }
                    lastRead = System.nanoTime();
                    behind = false;
                    List<RecordedEvent> events = store.readAll(tail, settings.pollBatchSize());
                    heartbeat = Instant.now();
                    failures = 0;
                    if (!events.isEmpty()) {
                        LogPosition to = events.get(events.size() - 1).logPosition();
                        Delivery delivery = new Delivery(tail, to, events);
                        // The tail moves before the lanes are offered the delivery: a lane added after the snapshot
                        // below sees the tail ahead of its checkpoint and reads the events from the log itself.
                        tail = to;
                        for (ProjectionLane lane : lanes.get()) {
                            lane.offer(delivery);
                        }
                        if (events.size() == settings.pollBatchSize()) {
                            behind = true; // more is waiting: read it at once
                            continue;
                        }
                    }
                    awaitNotification();
                } catch (RuntimeException e) {
                    failures++;
                    log.warn("poller event=read-failed attempt={} error=\"{}\"", failures, e.toString());
                    closeListener();
                    pause(Math.min(5000, 200L * failures));
                }
            }
        } finally {
            closeListener();
            finished.countDown();
            log.info("poller event=stopped tail={}", tail == null ? "unknown" : tail.token());
        }
    }

    private LogPosition startingTail() {
        for (int attempt = 1; running; attempt++) {
            try {
                return statistics.safeTail();
            } catch (SQLException | RuntimeException e) {
                log.warn("poller event=start-failed attempt={} error=\"{}\"", attempt, e.toString());
                pause(Math.min(5000, 200L * attempt));
            }
        }
        return null;
    }

    /** Blocks until a NOTIFY arrives or the poll interval passes; falls back to plain polling if LISTEN fails. */
    private void awaitNotification() {
        long millis = settings.pollInterval().toMillis();
        try {
            if (listenConnection == null) {
                listenConnection = dataSource.getConnection();
                listenConnection.setAutoCommit(true);
                try (Statement statement = listenConnection.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
            }
            PGConnection pg = listenConnection.unwrap(PGConnection.class);
            pg.getNotifications((int) millis);
        } catch (SQLException e) {
            log.debug("poller event=listen-failed error=\"{}\"", e.toString());
            closeListener();
            pause(millis);
        }
    }

    private void closeListener() {
        if (listenConnection != null) {
            try {
                listenConnection.close();
            } catch (SQLException ignored) {
                // the connection is being thrown away
            }
            listenConnection = null;
        }
    }

    private void pause(long millis) {
        try {
            stopSignal.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    void stop() {
        running = false;
        stopSignal.countDown();
    }

    boolean awaitStopped(long millis) throws InterruptedException {
        return finished.await(millis, TimeUnit.MILLISECONDS);
    }
}
