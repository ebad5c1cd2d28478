package io.projhub.projectors.jdbc;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

/** The query side of the relational view: order details assembled from orders, items, customers and shipments. */
public final class JdbcOrderQueries {

    private static final String ORDER = """
            select o.id, o.status, o.total_amount, o.currency, o.created_at, o.shipped_at, o.cancelled_at,
                   o.cancel_reason, o.version, o.customer_id, coalesce(c.name, o.customer_name) as customer_name,
                   c.email, c.active, s.tracking_number, s.carrier, s.shipped_at as shipment_shipped_at,
                   s.processing_time_ms
              from %1$s.orders o
              left join %1$s.customers c on c.id = o.customer_id
              left join %1$s.shipments s on s.order_id = o.id
             where o.id = ?
            """;

    private static final String ITEMS = """
            select line_no, name, price, quantity from %1$s.order_items where order_id = ? order by line_no
            """;

    private static final String ACCOUNT = """
            select id, balance, currency, opened_at, updated_at, version from %1$s.accounts where id = ?
            """;

    private final DataSource dataSource;
    private final RelationalSchema schema;
    /** Runs between the items and the order statement; tests use it to commit a write in between. */
    private volatile Runnable betweenStatements = () -> { };

    public JdbcOrderQueries(DataSource dataSource, RelationalSchema schema) {
        this.dataSource = dataSource;
        this.schema = schema;
    }

    /**
     * The order with its customer, shipment and items, read in one snapshot (a read-only REPEATABLE READ
     * transaction): the projector writes an order and its items in one transaction, and two statements under READ
     * COMMITTED could see the order without its items (or the items of a newer version).
     */
    public Optional<OrderDetails> orderDetails(String orderId) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            int isolation = c.getTransactionIsolation();
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            try {
                Optional<OrderDetails> details = orderDetails(c, orderId);
                c.commit();
                return details;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setReadOnly(false);
                c.setTransactionIsolation(isolation);
                c.setAutoCommit(autoCommit);
            }
        }
    }

    void betweenStatements(Runnable hook) {
        this.betweenStatements = hook;
    }

    private Optional<OrderDetails> orderDetails(Connection c, String orderId) throws SQLException {
        List<OrderDetails.Item> items = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(schema.sql(ITEMS))) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    items.add(new OrderDetails.Item(rs.getInt(1), rs.getString(2), rs.getBigDecimal(3), rs.getInt(4)));
                }
            }
        }
        betweenStatements.run();
        try (PreparedStatement ps = c.prepareStatement(schema.sql(ORDER))) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String currency = rs.getString("currency");
                var customer = new OrderDetails.Customer(rs.getString("customer_id"), rs.getString("customer_name"),
                        rs.getString("email"), (Boolean) rs.getObject("active"));
                var shipment = rs.getString("tracking_number") == null ? null : new OrderDetails.Shipment(
                        rs.getString("tracking_number"), rs.getString("carrier"),
                        instant(rs.getTimestamp("shipment_shipped_at")), rs.getLong("processing_time_ms"));
                return Optional.of(new OrderDetails(rs.getString("id"), rs.getString("status"),
                        money(rs.getBigDecimal("total_amount"), currency), currency,
                        instant(rs.getTimestamp("created_at")), instant(rs.getTimestamp("shipped_at")),
                        instant(rs.getTimestamp("cancelled_at")), rs.getString("cancel_reason"),
                        rs.getLong("version"), customer,
                        items.stream().map(i -> new OrderDetails.Item(i.line(), i.name(), money(i.price(), currency),
                                i.quantity())).toList(),
                        shipment));
            }
        }
    }

    public Optional<AccountView> account(String accountId) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(schema.sql(ACCOUNT))) {
            ps.setString(1, accountId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new AccountView(rs.getString(1), money(rs.getBigDecimal(2), rs.getString(3)),
                        rs.getString(3), instant(rs.getTimestamp(4)), instant(rs.getTimestamp(5)), rs.getLong(6)));
            }
        }
    }

    /** Amounts are stored with four decimals; callers get them at their currency's scale, as they were sent. */
    private static BigDecimal money(BigDecimal amount, String currency) {
        int scale = Currency.getInstance(currency.strip()).getDefaultFractionDigits();
        return amount.setScale(Math.max(scale, 0), RoundingMode.UNNECESSARY);
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}
