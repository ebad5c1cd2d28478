package io.projhub.core.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

import javax.sql.DataSource;

import org.postgresql.ds.PGSimpleDataSource;

import io.projhub.core.eventstore.postgres.EventStoreMigrations;
import io.projhub.testsupport.StoreEndpoints;

/**
 * The test PostgreSQL database, migrated. The database is shared with other modules' tests and reruns, so tests
 * never clean tables: each one works on stream ids of its own ({@link #uniqueId}).
 */
public final class TestDatabase {

    private TestDatabase() {
    }

    public static DataSource migrated(StoreEndpoints stores) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(stores.postgresUrl());
        dataSource.setUser(stores.postgresUser());
        dataSource.setPassword(stores.postgresPassword());
        EventStoreMigrations.migrate(dataSource);
        return dataSource;
    }

    /** An id no other test run uses. */
    public static String uniqueId(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    /** A single number from a query with one long/int parameter per {@code ?}, each bound as text or long. */
    public static long queryLong(DataSource dataSource, String sql, Object... parameters) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
