package io.projhub.monitor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.postgres.EventStoreMigrations;
import io.projhub.core.eventstore.postgres.PostgresEventStore;
import io.projhub.testsupport.StoreEndpoints;

/**
 * The shared test database, migrated (hub-core's tables and this module's V30). Tests never clean tables: each works
 * on names of its own ({@link #uniquePrefix}).
 */
final class TestDatabase {

    private TestDatabase() {
    }

    static HikariDataSource migrated(StoreEndpoints stores) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(stores.postgresUrl());
        config.setUsername(stores.postgresUser());
        config.setPassword(stores.postgresPassword());
        config.setMaximumPoolSize(12);
        config.setMinimumIdle(1);
        config.setIdleTimeout(10_000);
        config.setPoolName("monitor-test");
        HikariDataSource ds = new HikariDataSource(config);
        EventStoreMigrations.migrate(ds);
        TestReadModel.createTables(ds);
        return ds;
    }

    static EventStore eventStore(DataSource ds) {
        return new PostgresEventStore(ds, EventTypeRegistry.empty());
    }

    static String uniquePrefix(String what) {
        return what + "-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    }

    /** Rows of a query with positional parameters, each as column → value. */
    static List<Map<String, Object>> rows(DataSource ds, String sql, Object... parameters) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<Map<String, Object>> rows = new ArrayList<>();
                while (rs.next()) {
                    Map<String, Object> row = new java.util.LinkedHashMap<>();
                    for (int col = 1; col <= rs.getMetaData().getColumnCount(); col++) {
                        row.put(rs.getMetaData().getColumnLabel(col), rs.getObject(col));
                    }
                    rows.add(row);
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The outbox rows of the alerts whose key starts with {@code prefix}, oldest first. */
    static List<Map<String, Object>> outbox(DataSource ds, String prefix) {
        return rows(ds, """
                select o.id, a.alert_key, o.notifier, o.transition, o.status, o.attempts, o.last_error
                  from alert_outbox o join alerts a on a.id = o.alert_id
                 where a.alert_key like ?
                 order by o.id""", prefix + "%");
    }

    /** The alerts whose key starts with {@code prefix}. */
    static List<Map<String, Object>> alerts(DataSource ds, String prefix) {
        return rows(ds, "select id, alert_key, status, notifications, acked_by from alerts where alert_key like ? order by id",
                prefix + "%");
    }
}
