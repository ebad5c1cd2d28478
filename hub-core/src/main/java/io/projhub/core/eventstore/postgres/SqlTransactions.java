package io.projhub.core.eventstore.postgres;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

/** Runs work in one PostgreSQL transaction on a pooled connection: committed, or rolled back on any failure. */
public final class SqlTransactions {

    /** Work on the transaction's connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private SqlTransactions() {
    }

    /**
     * Runs {@code work} in a transaction and commits it. On a failure the transaction is rolled back and the failure
     * is thrown (a rollback that fails too is added to it as suppressed: the connection is broken, the transaction
     * gone with it). The connection goes back to the pool with its auto-commit as it was.
     */
    public static <T> T inTransaction(DataSource dataSource, Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(autoCommit);
                } catch (SQLException ignored) {
                    // a broken connection: the pool discards it
                }
            }
        }
    }
}
