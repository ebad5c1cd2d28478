package io.projhub.core.eventstore.postgres;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

/** Runs work in one PostgreSQL transaction on a pooled connection: committed, or rolled back on any failure. */
public final class SqlTransactions {

    /**
     * Work on the transaction's connection; besides SQL's it may fail with one exception of its own ({@code E}, e.g.
     * a read model's failure of one event), which rolls the transaction back and is thrown as it is.
     */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T run(Connection c) throws SQLException, E;
    }

    private SqlTransactions() {
    }

    /**
     * Runs {@code work} in a transaction and commits it. On a failure the transaction is rolled back and the failure
     * is thrown (a rollback that fails too is added to it as suppressed: the connection is broken, the transaction
     * gone with it). The connection goes back to the pool with its auto-commit as it was.
     */
    public static <T, E extends Exception> T inTransaction(DataSource dataSource, Work<T, E> work)
            throws SQLException, E {
        return run(dataSource, false, work);
    }

    /**
     * Runs {@code work} in a read-only REPEATABLE READ transaction: every statement reads one snapshot (a row and
     * rows that belong to it agree). The connection goes back with its settings as they were.
     */
    public static <T, E extends Exception> T inSnapshot(DataSource dataSource, Work<T, E> work)
            throws SQLException, E {
        return run(dataSource, true, work);
    }

    private static <T, E extends Exception> T run(DataSource dataSource, boolean snapshot, Work<T, E> work)
            throws SQLException, E {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            int isolation = c.getTransactionIsolation();
            c.setAutoCommit(false);
            if (snapshot) {
                c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                c.setReadOnly(true);
            }
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (Exception e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            } finally {
                try {
                    if (snapshot) {
                        c.setReadOnly(false);
                        c.setTransactionIsolation(isolation);
                    }
                    c.setAutoCommit(autoCommit);
                } catch (SQLException ignored) {
                    // a broken connection: the pool discards it
                }
            }
        }
    }
}
