package io.projhub.server.security;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The admin action log in PostgreSQL ({@code admin_actions}, migration V40). Rows older than the retention
 * ({@code projhub.security.admin-actions-retention}) are deleted at most once an hour, by the first recording after
 * the hour has passed.
 */
public class AdminActionLog {

    private static final Logger log = LoggerFactory.getLogger(AdminActionLog.class);
    private static final long PURGE_EVERY_NANOS = TimeUnit.HOURS.toNanos(1);

    private final JdbcClient jdbc;
    private final Duration retention;
    private final AtomicLong nextPurge = new AtomicLong(System.nanoTime());

    public AdminActionLog(JdbcClient jdbc, Duration retention) {
        this.jdbc = jdbc;
        this.retention = retention;
    }

    /**
     * Records an action; {@code id} and {@code at} of the given record are ignored (the database assigns them). Once
     * an hour it also deletes the rows older than the retention.
     */
    public void record(AdminAction action) {
        jdbc.sql("""
                insert into admin_actions (principal, via, method, path, action, remote_address, outcome, detail)
                values (:principal, :via, :method, :path, :action, :remote, :outcome, :detail)
                """)
                .param("principal", action.principal())
                .param("via", action.via())
                .param("method", action.method())
                .param("path", action.path())
                .param("action", action.action())
                .param("remote", action.remoteAddress())
                .param("outcome", action.outcome())
                .param("detail", action.detail())
                .update();
        long due = nextPurge.get();
        if (System.nanoTime() - due >= 0 && nextPurge.compareAndSet(due, System.nanoTime() + PURGE_EVERY_NANOS)) {
            purge();
        }
    }

    /** Deletes the rows older than the retention; returns how many. */
    int purge() {
        Instant before = Instant.now().minus(retention);
        int deleted = jdbc.sql("delete from admin_actions where at < :before")
                .param("before", Timestamp.from(before))
                .update();
        log.info("event=admin-actions-purged deleted={} before={} retention={}", deleted, before, retention);
        return deleted;
    }

    /** The last {@code limit} actions, newest first. */
    public List<AdminAction> latest(int limit) {
        return jdbc.sql("""
                select id, at, principal, via, method, path, action, remote_address, outcome, detail
                  from admin_actions
                 order by id desc
                 limit :limit
                """)
                .param("limit", limit)
                .query((rs, row) -> new AdminAction(rs.getLong("id"), rs.getObject("at", Timestamp.class).toInstant(),
                        rs.getString("principal"), rs.getString("via"), rs.getString("method"), rs.getString("path"),
                        rs.getString("action"), rs.getString("remote_address"), rs.getInt("outcome"),
                        rs.getString("detail")))
                .list();
    }
}
