package io.projhub.monitor.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import javax.sql.DataSource;

import io.projhub.monitor.Alert;
import io.projhub.monitor.AlertTransition;
import tools.jackson.databind.json.JsonMapper;

/**
 * The notification outbox as the dispatcher sees it. A row is claimed (SENDING, with a lease, attempts + 1) in a
 * short transaction of its own; the delivery happens outside any transaction; then the row is marked. A claimer that
 * dies leaves its rows SENDING until the lease runs out, when any dispatcher may claim them again.
 */
final class PostgresOutbox {

    /**
     * Due rows of our notifiers, oldest first, never one with an earlier row of the same alert and notifier still
     * waiting: each notifier sees an alert's transitions in order (a resolve never overtakes its trigger).
     */
    private static final String CLAIM = """
            with due as (
                select o.id
                  from alert_outbox o
                 where o.notifier = any(?)
                   and ((o.status = 'PENDING' and o.next_attempt_at <= now())
                     or (o.status = 'SENDING' and o.lease_until <= now()))
                   and not exists (select 1 from alert_outbox earlier
                                    where earlier.alert_id = o.alert_id and earlier.notifier = o.notifier
                                      and earlier.id < o.id and earlier.status in ('PENDING', 'SENDING'))
                 order by o.id
                 limit ?
                   for update of o skip locked)
            update alert_outbox o
               set status = 'SENDING', attempts = o.attempts + 1, lease_until = now() + make_interval(secs => ?)
              from due
             where o.id = due.id
            returning o.id, o.notifier, o.transition, o.payload::text as payload, o.attempts""";

    private static final String SENT = """
            update alert_outbox
               set status = 'SENT', sent_at = now(), lease_until = null, last_error = null
             where id = ? and status = 'SENDING'""";

    private static final String RETRY = """
            update alert_outbox
               set status = 'PENDING', lease_until = null, last_error = ?,
                   next_attempt_at = now() + make_interval(secs => ?)
             where id = ? and status = 'SENDING'""";

    private static final String FAILED = """
            update alert_outbox
               set status = 'FAILED', lease_until = null, last_error = ?
             where id = ? and status = 'SENDING'""";

    /** Gives a claimed row back untried (its notifier failed on an earlier row of the batch). */
    private static final String RELEASE = """
            update alert_outbox
               set status = 'PENDING', attempts = attempts - 1, lease_until = null,
                   next_attempt_at = now() + make_interval(secs => ?)
             where id = ? and status = 'SENDING'""";

    /** A claimed row: the notification to deliver and the notifier it is for. */
    record Claimed(long id, String notifier, AlertTransition transition, String payload, int attempt) {

        /** The alert as it was at the transition. */
        Alert alert(JsonMapper json) {
            return json.readValue(payload, Alert.class);
        }
    }

    private final DataSource dataSource;

    PostgresOutbox(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    List<Claimed> claim(Collection<String> notifiers, int limit, Duration lease) throws SQLException {
        List<Claimed> claimed = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(CLAIM)) {
            ps.setArray(1, PostgresAlerts.textArray(c, notifiers));
            ps.setInt(2, limit);
            ps.setDouble(3, seconds(lease));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    claimed.add(new Claimed(rs.getLong("id"), rs.getString("notifier"),
                            AlertTransition.valueOf(rs.getString("transition")),
                            rs.getString("payload"), rs.getInt("attempts")));
                }
            }
        }
        claimed.sort((a, b) -> Long.compare(a.id(), b.id()));
        return claimed;
    }

    void sent(long id) throws SQLException {
        update(SENT, ps -> ps.setLong(1, id));
    }

    void retry(long id, Duration after, String error) throws SQLException {
        update(RETRY, ps -> {
            ps.setString(1, error);
            ps.setDouble(2, seconds(after));
            ps.setLong(3, id);
        });
    }

    void failed(long id, String error) throws SQLException {
        update(FAILED, ps -> {
            ps.setString(1, error);
            ps.setLong(2, id);
        });
    }

    void release(long id, Duration after) throws SQLException {
        update(RELEASE, ps -> {
            ps.setDouble(1, seconds(after));
            ps.setLong(2, id);
        });
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private void update(String sql, Binder binder) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            ps.executeUpdate();
        }
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
