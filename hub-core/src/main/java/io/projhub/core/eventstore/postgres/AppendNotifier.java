package io.projhub.core.eventstore.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes the subscribers after appends: one {@code NOTIFY} for all the commits made while the previous one was being
 * sent (and in the {@value #GAP_NANOS} ns after it), on a thread of its own, in a transaction that does not wait for
 * its WAL flush.
 *
 * <p>Why: a {@code NOTIFY} is a transaction of its own (in the append's transaction it would hold PostgreSQL's global
 * notify lock through that commit's WAL flush and defeat group commit), so one per append doubled the commits and
 * flushes: at 1,000 appends/s the notifications took about a quarter of a core of PostgreSQL's CPU, and the append
 * waited for them. Now an append only sets a flag after its commit. Why no commit is missed: a commit that finds the flag
 * already set comes before the notifier clears it, so before the notification it then sends; one that sets it
 * schedules the next. Losing a notification (a crash, PostgreSQL unreachable) only delays subscribers until their
 * next poll, which is why its commit need not be durable ({@code synchronous_commit = off} for that transaction).
 */
final class AppendNotifier {

    private static final Logger log = LoggerFactory.getLogger(AppendNotifier.class);
    /**
     * The shortest gap between two notifications: commits within it share the next one. The poller reads the log at
     * most every {@code SubscriberSettings.readGap} (20 ms by default), so waking it more often would be lost work.
     */
    static final long GAP_NANOS = 10_000_000L;

    private final DataSource dataSource;
    private final String notify;
    private final AtomicBoolean pending = new AtomicBoolean();
    /** One daemon thread, started when needed and gone after a quiet minute (an idle store holds no thread). */
    private final ThreadPoolExecutor sender;

    AppendNotifier(DataSource dataSource, String channel) {
        this.dataSource = dataSource;
        if (!channel.matches("[a-z_]+")) {
            throw new IllegalArgumentException("Not a channel name: " + channel);
        }
        this.notify = "set local synchronous_commit = off; select pg_notify('" + channel + "', '')";
        this.sender = new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(), runnable -> {
            Thread thread = new Thread(runnable, "event-store-notify");
            thread.setDaemon(true);
            return thread;
        });
        sender.allowCoreThreadTimeOut(true);
    }

    /** Called after an append's commit; never blocks on PostgreSQL, never throws (the append has committed). */
    void committed() {
        if (pending.compareAndSet(false, true)) {
            try {
                sender.execute(this::send);
            } catch (Throwable e) {
                pending.set(false); // the next commit tries again; subscribers poll meanwhile
                log.warn("event=notify-not-scheduled error=\"{}\"", e.toString());
            }
        }
    }

    private void send() {
        long started = System.nanoTime();
        pending.set(false);
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (Statement statement = c.createStatement()) {
                statement.execute(notify);
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException | RuntimeException e) {
            log.debug("Could not notify subscribers (they poll anyway): {}", e.getMessage());
        }
        long left = GAP_NANOS - (System.nanoTime() - started);
        if (left > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left); // commits meanwhile set the flag; their notification follows this
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
