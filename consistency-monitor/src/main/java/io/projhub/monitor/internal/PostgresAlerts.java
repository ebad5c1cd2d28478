package io.projhub.monitor.internal;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import io.projhub.monitor.Alert;
import io.projhub.monitor.AlertKind;
import io.projhub.monitor.AlertSeverity;
import io.projhub.monitor.AlertStatus;
import io.projhub.monitor.AlertTransition;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The alerts table and the writes to the outbox that go with its transitions: each change of an alert and its
 * outbox rows (one per notifier) commit in one transaction, so a transition is notified iff it happened.
 */
public final class PostgresAlerts {

    static final String COLUMNS = """
            id, alert_key, kind, read_model, stream_id, severity, status, summary, details::text as details, fired_at,
            last_notified_at, notifications, acked_at, acked_by, resolved_at, resolution""";

    /** Inserts, or (already firing) keeps the alert and raises its expected version if the new one is higher. */
    private static final String RAISE = """
            insert into alerts (alert_key, kind, read_model, stream_id, expected_version, severity, status, summary, details)
            values (?, ?, ?, ?, ?, ?, 'FIRING', ?, ?::jsonb)
            on conflict (alert_key) where status = 'FIRING' do update
               set expected_version = greatest(alerts.expected_version, excluded.expected_version),
                   summary = case when excluded.expected_version > alerts.expected_version
                                  then excluded.summary else alerts.summary end,
                   details = case when excluded.expected_version > alerts.expected_version
                                  then excluded.details else alerts.details end,
                   updated_at = now()
            returning %s, (xmax = 0) as inserted""".formatted(COLUMNS);

    private static final String RESOLVE = """
            update alerts
               set status = 'RESOLVED', resolved_at = now(), resolution = ?, updated_at = now()
             where alert_key = ? and status = 'FIRING'
               and (cast(? as bigint) is null or expected_version is null or expected_version <= ?)
            returning %s""".formatted(COLUMNS);

    private static final String RENOTIFY_DUE = """
            update alerts
               set last_notified_at = now(), notifications = notifications + 1, updated_at = now()
             where id in (select id from alerts
                           where status = 'FIRING' and acked_at is null
                             and last_notified_at <= now() - make_interval(secs => ?)
                             and (read_model = any(?) or (read_model is null and ?))
                           order by last_notified_at
                           limit ?
                             for update skip locked)
            returning %s""".formatted(COLUMNS);

    private static final String FIRING_KEYS = """
            select alert_key from alerts where status = 'FIRING' and alert_key = any(?)""";

    private static final String FIRING_STREAM_ALERTS = """
            select id, alert_key, read_model, stream_id, expected_version
              from alerts
             where status = 'FIRING' and kind = 'STREAM_BEHIND' and read_model = any(?)
             order by updated_at
             limit ?""";

    private static final String TOUCH = """
            update alerts set updated_at = now() where id = ?""";

    private static final String LIST = """
            select %s from alerts
             where (cast(? as text) is null or status = ?)
             order by fired_at desc, id desc
             limit ?""".formatted(COLUMNS);

    private static final String FIND = "select %s from alerts where id = ?".formatted(COLUMNS);

    private static final String ACK = """
            update alerts
               set acked_at = coalesce(acked_at, now()), acked_by = coalesce(acked_by, ?), updated_at = now()
             where id = ?
            returning %s""".formatted(COLUMNS);

    private static final String ENQUEUE = """
            insert into alert_outbox (alert_id, notifier, transition, payload) values (?, ?, ?, ?::jsonb)""";

    /** A re-notification is not queued behind one still waiting for the same notifier: one in flight is enough. */
    private static final String ENQUEUE_RENOTIFY = """
            insert into alert_outbox (alert_id, notifier, transition, payload)
            select ?, ?, 'RENOTIFY', ?::jsonb
             where not exists (select 1 from alert_outbox
                                where alert_id = ? and notifier = ? and status in ('PENDING', 'SENDING'))""";

    /** A stream alert still firing: what its periodic re-check needs. */
    record FiringStreamAlert(long id, String key, String readModel, String streamId, long expectedVersion) {
    }

    /** The alert after {@link #raise}, and whether this call created it. */
    record Raised(Alert alert, boolean created) {
    }

    private final DataSource dataSource;
    private final JsonMapper json;

    public PostgresAlerts(DataSource dataSource, JsonMapper json) {
        this.dataSource = dataSource;
        this.json = json;
    }

    /** Raises the alert (one FIRING per key) and, if it is new, queues its FIRING notification for each notifier. */
    Raised raise(AlertDraft draft, List<String> notifiers) throws SQLException {
        return inTransaction(c -> {
            Alert alert;
            boolean created;
            try (PreparedStatement ps = c.prepareStatement(RAISE)) {
                ps.setString(1, draft.key());
                ps.setString(2, draft.kind().name());
                ps.setString(3, draft.readModel());
                ps.setString(4, draft.streamId());
                if (draft.expectedVersion() == null) {
                    ps.setNull(5, Types.BIGINT);
                } else {
                    ps.setLong(5, draft.expectedVersion());
                }
                ps.setString(6, draft.severity().name());
                ps.setString(7, draft.summary());
                ps.setString(8, json.writeValueAsString(draft.details()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    alert = alert(rs);
                    created = rs.getBoolean("inserted");
                }
            }
            if (created) {
                enqueue(c, alert, AlertTransition.FIRING, notifiers);
            }
            return new Raised(alert, created);
        });
    }

    /** Resolves the firing alert with this key, if any, and queues its RESOLVED notification for each notifier. */
    Optional<Alert> resolve(String key, String resolution, List<String> notifiers) throws SQLException {
        return resolve(key, null, resolution, notifiers);
    }

    /**
     * Resolves the firing alert with this key only if the version it expects is at or below {@code seenVersion}
     * (what the probe saw; null: whatever it expects), so a re-check started before a newer write raised the
     * alert again cannot resolve it.
     */
    Optional<Alert> resolve(String key, Long seenVersion, String resolution, List<String> notifiers) throws SQLException {
        return inTransaction(c -> {
            Optional<Alert> resolved;
            try (PreparedStatement ps = c.prepareStatement(RESOLVE)) {
                ps.setString(1, resolution);
                ps.setString(2, key);
                if (seenVersion == null) {
                    ps.setNull(3, Types.BIGINT);
                    ps.setNull(4, Types.BIGINT);
                } else {
                    ps.setLong(3, seenVersion);
                    ps.setLong(4, seenVersion);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    resolved = rs.next() ? Optional.of(alert(rs)) : Optional.empty();
                }
            }
            if (resolved.isPresent()) {
                enqueue(c, resolved.get(), AlertTransition.RESOLVED, notifiers);
            }
            return resolved;
        });
    }

    /**
     * Firing, unacknowledged alerts of these read models (and hub-wide ones, if {@code hubWide}) last notified at
     * least {@code interval} ago: marks them notified now and queues a RENOTIFY for each notifier that has none
     * waiting.
     */
    List<Alert> renotifyDue(Duration interval, Collection<String> readModels, boolean hubWide, List<String> notifiers,
                            int limit) throws SQLException {
        return inTransaction(c -> {
            List<Alert> due = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(RENOTIFY_DUE)) {
                ps.setDouble(1, interval.toMillis() / 1000.0);
                ps.setArray(2, textArray(c, readModels));
                ps.setBoolean(3, hubWide);
                ps.setInt(4, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        due.add(alert(rs));
                    }
                }
            }
            if (!due.isEmpty() && !notifiers.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(ENQUEUE_RENOTIFY)) {
                    for (Alert alert : due) {
                        String payload = payload(alert);
                        for (String notifier : notifiers) {
                            ps.setLong(1, alert.id());
                            ps.setString(2, notifier);
                            ps.setString(3, payload);
                            ps.setLong(4, alert.id());
                            ps.setString(5, notifier);
                            ps.addBatch();
                        }
                    }
                    ps.executeBatch();
                }
            }
            return due;
        });
    }

    /** Which of these keys have a firing alert. */
    Set<String> firingKeys(Collection<String> keys) throws SQLException {
        Set<String> firing = new HashSet<>();
        if (keys.isEmpty()) {
            return firing;
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(FIRING_KEYS)) {
            ps.setArray(1, textArray(c, keys));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    firing.add(rs.getString(1));
                }
            }
        }
        return firing;
    }

    /** Firing stream alerts of these read models, the longest unchecked first. */
    List<FiringStreamAlert> firingStreamAlerts(Collection<String> readModels, int limit) throws SQLException {
        List<FiringStreamAlert> alerts = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(FIRING_STREAM_ALERTS)) {
            ps.setArray(1, textArray(c, readModels));
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    alerts.add(new FiringStreamAlert(rs.getLong("id"), rs.getString("alert_key"),
                            rs.getString("read_model"), rs.getString("stream_id"), rs.getLong("expected_version")));
                }
            }
        }
        return alerts;
    }

    /** Marks a firing alert as just re-checked, so the next round starts with others. */
    void touch(long id) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(TOUCH)) {
            ps.setLong(1, id);
            ps.executeUpdate();
        }
    }

    List<Alert> list(Optional<AlertStatus> status, int limit) throws SQLException {
        List<Alert> alerts = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(LIST)) {
            String s = status.map(Enum::name).orElse(null);
            ps.setString(1, s);
            ps.setString(2, s);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    alerts.add(alert(rs));
                }
            }
        }
        return alerts;
    }

    Optional<Alert> find(long id) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(FIND)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(alert(rs)) : Optional.empty();
            }
        }
    }

    Optional<Alert> ack(long id, String by) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(ACK)) {
            ps.setString(1, by);
            ps.setLong(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(alert(rs)) : Optional.empty();
            }
        }
    }

    private void enqueue(Connection c, Alert alert, AlertTransition transition, List<String> notifiers)
            throws SQLException {
        if (notifiers.isEmpty()) {
            return;
        }
        String payload = payload(alert);
        try (PreparedStatement ps = c.prepareStatement(ENQUEUE)) {
            for (String notifier : notifiers) {
                ps.setLong(1, alert.id());
                ps.setString(2, notifier);
                ps.setString(3, transition.name());
                ps.setString(4, payload);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The alert as it is at this transition: what every notifier of the row will describe. */
    private String payload(Alert alert) {
        return json.writeValueAsString(alert);
    }

    Alert alert(ResultSet rs) throws SQLException {
        JsonNode details = json.readTree(rs.getString("details"));
        return new Alert(rs.getLong("id"), rs.getString("alert_key"), AlertKind.valueOf(rs.getString("kind")),
                rs.getString("read_model"), rs.getString("stream_id"),
                AlertSeverity.valueOf(rs.getString("severity")), AlertStatus.valueOf(rs.getString("status")),
                rs.getString("summary"), details, instant(rs, "fired_at"), instant(rs, "last_notified_at"),
                rs.getInt("notifications"), instant(rs, "acked_at"), rs.getString("acked_by"),
                instant(rs, "resolved_at"), rs.getString("resolution"));
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    static Array textArray(Connection c, Collection<String> values) throws SQLException {
        return c.createArrayOf("text", values.toArray(new String[0]));
    }

    @FunctionalInterface
    interface TransactionBody<T> {
        T run(Connection c) throws SQLException;
    }

    <T> T inTransaction(TransactionBody<T> body) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = body.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
    }
}
