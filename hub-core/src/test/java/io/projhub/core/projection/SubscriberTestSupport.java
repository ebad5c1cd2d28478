package io.projhub.core.projection;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.postgres.EventStoreMigrations;
import io.projhub.core.eventstore.postgres.PostgresEventStore;
import io.projhub.core.projection.internal.PollingProjectionSubscriber;
import io.projhub.testsupport.StoreEndpoints;

/** Shared set-up of the subscriber tests: the real database, the store, the recording read models. */
final class SubscriberTestSupport {

    static final SubscriberSettings FAST = new SubscriberSettings(500, Duration.ofMillis(200), Duration.ofMillis(200),
            Duration.ofSeconds(1), Duration.ofSeconds(20));

    private SubscriberTestSupport() {
    }

    static HikariDataSource dataSource(StoreEndpoints stores) throws SQLException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(stores.postgresUrl());
        config.setUsername(stores.postgresUser());
        config.setPassword(stores.postgresPassword());
        config.setMaximumPoolSize(24);
        // Many test classes each hold a pool: keep only a few idle connections so the suite stays far below
        // PostgreSQL's max_connections.
        config.setMinimumIdle(1);
        config.setIdleTimeout(10_000);
        HikariDataSource ds = new HikariDataSource(config);
        EventStoreMigrations.migrate(ds);
        RecordingProjector.createTables(ds);
        return ds;
    }

    static EventStore eventStore(DataSource ds) {
        return new PostgresEventStore(ds, EventTypeRegistry.empty());
    }

    /** Where the log ends now: recording read models start there, so earlier runs' events are not theirs. */
    static LogPosition logEnd(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select coalesce(max(tx_id::text::bigint), 0), coalesce(max(position), 0) from events")) {
            rs.next();
            return new LogPosition(rs.getLong(1), rs.getLong(2));
        }
    }

    static PollingProjectionSubscriber subscriber(DataSource ds, EventStore store, Map<Projector, LaneSettings> lanes) {
        return new PollingProjectionSubscriber(ds, store, lanes, FAST, new SimpleMeterRegistry());
    }

    static PollingProjectionSubscriber subscriber(DataSource ds, EventStore store, Map<Projector, LaneSettings> lanes,
                                                  SubscriberSettings settings, MeterRegistry registry) {
        return new PollingProjectionSubscriber(ds, store, lanes, settings, registry);
    }

    static Map<Projector, LaneSettings> lanes(Object... projectorsAndSettings) {
        Map<Projector, LaneSettings> lanes = new LinkedHashMap<>();
        for (int i = 0; i < projectorsAndSettings.length; i += 2) {
            lanes.put((Projector) projectorsAndSettings[i], (LaneSettings) projectorsAndSettings[i + 1]);
        }
        return lanes;
    }

    /** (stream, version) pairs a lane recorded for streams starting with {@code prefix}, in the order recorded. */
    static List<String> recorded(DataSource ds, String lane, String prefix) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("""
                select stream_id, version from test_recorded_events
                 where lane = ? and stream_id like ? order by seq
                """)) {
            ps.setString(1, lane);
            ps.setString(2, prefix + "%");
            List<String> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(rs.getString(1) + "@" + rs.getLong(2));
                }
            }
            return result;
        }
    }

    /** (stream, version) pairs committed to the log for streams starting with {@code prefix}. */
    static List<String> committed(DataSource ds, String prefix) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select stream_id, version from events where stream_id like ? order by position")) {
            ps.setString(1, prefix + "%");
            List<String> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(rs.getString(1) + "@" + rs.getLong(2));
                }
            }
            return result;
        }
    }

    static long count(DataSource ds, String lane, String prefix) throws SQLException {
        return recorded(ds, lane, prefix).size();
    }
}
