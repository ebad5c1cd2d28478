package io.projhub.projectors.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.projhub.core.eventstore.postgres.EventStoreMigrations;
import io.projhub.testsupport.StoreEndpoints;

/**
 * The tests' PostgreSQL database as a small pool, one per URL for the test JVM (InfluxDB read models keep their
 * per-stream version records there, in the schema {@link #SCHEMA}).
 */
public final class TestDatabase {

    /** The schema the projectors' tests keep read-model tables in (each test's own names within it). */
    public static final String SCHEMA = "read_model_test";

    private static final Map<String, HikariDataSource> POOLS = new ConcurrentHashMap<>();

    private TestDatabase() {
    }

    public static DataSource of(StoreEndpoints stores) {
        return POOLS.computeIfAbsent(stores.postgresUrl(), url -> {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setUsername(stores.postgresUser());
            config.setPassword(stores.postgresPassword());
            config.setMaximumPoolSize(4);
            config.setMinimumIdle(0);
            config.setPoolName("projectors-tests");
            return new HikariDataSource(config);
        });
    }

    /**
     * The database {@code projhub_recovery} beside the tests' one, for tests that need a log of their own: migrated,
     * its log, dead letters and idempotency keys emptied (see hub-core's LogRestoredTest). The caller closes it.
     */
    public static HikariDataSource emptyLog(StoreEndpoints stores) throws SQLException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(stores.postgresUrl().replaceFirst("/[^/?]+(\\?|$)", "/projhub_recovery$1"));
        config.setUsername(stores.postgresUser());
        config.setPassword(stores.postgresPassword());
        config.setMaximumPoolSize(8);
        config.setMinimumIdle(0);
        HikariDataSource ds = new HikariDataSource(config);
        EventStoreMigrations.migrate(ds);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("truncate events, projection_dead_letters, idempotency_keys");
        }
        return ds;
    }
}
