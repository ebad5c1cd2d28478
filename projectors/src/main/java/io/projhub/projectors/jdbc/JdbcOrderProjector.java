package io.projhub.projectors.jdbc;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import io.projhub.core.domain.account.AccountCreated;
import io.projhub.core.domain.account.MoneyDeposited;
import io.projhub.core.domain.account.MoneyWithdrawn;
import io.projhub.core.domain.customer.CustomerDeactivated;
import io.projhub.core.domain.customer.CustomerRegistered;
import io.projhub.core.domain.order.OrderCancelled;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.domain.order.OrderItem;
import io.projhub.core.domain.order.OrderShipped;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.Projector;

/**
 * The relational view in PostgreSQL: customers, orders with their items and shipments, accounts. Each batch is
 * one transaction holding its upserts and the checkpoint. Every row carries its stream's version and is only
 * changed by a higher one, so a replayed or re-driven event changes nothing it has already changed.
 *
 * <p>A skipped event ({@link #recordSkipped}) is recorded in {@code skipped_versions} and counts as applied: the
 * batch leaves out the events of a stream up to its skipped version. If the skipped event created the row (an
 * OrderCreated, CustomerRegistered or AccountCreated), the stream's later changes have no row to change: their
 * versions go to {@code skipped_versions} too, and no partial row appears in the view.
 */
public final class JdbcOrderProjector implements Projector {

    public static final String NAME = "jdbc";

    private static final Set<String> TYPES = Set.of("CustomerRegistered", "CustomerDeactivated", "OrderCreated",
            "OrderShipped", "OrderCancelled", "AccountCreated", "MoneyDeposited", "MoneyWithdrawn");

    /** Statements in the order they run for a batch: rows are created before anything updates them. */
    private enum Step {
        CUSTOMER_REGISTERED("""
                insert into %1$s.customers (id, name, email, active, registered_at, version)
                values (?, ?, ?, true, ?, ?)
                on conflict (id) do update
                   set name = excluded.name, email = excluded.email, registered_at = excluded.registered_at,
                       version = excluded.version
                 where customers.version < excluded.version
                """),
        ORDER_CREATED("""
                insert into %1$s.orders (id, customer_id, customer_name, status, total_amount, currency, created_at, version)
                values (?, ?, ?, 'CREATED', ?, ?, ?, ?)
                on conflict (id) do update
                   set customer_id = excluded.customer_id, customer_name = excluded.customer_name,
                       total_amount = excluded.total_amount, currency = excluded.currency,
                       created_at = excluded.created_at, version = excluded.version
                 where orders.version < excluded.version
                """),
        ORDER_ITEM("""
                insert into %1$s.order_items (order_id, line_no, name, price, quantity) values (?, ?, ?, ?, ?)
                on conflict (order_id, line_no) do nothing
                """),
        ACCOUNT_CREATED("""
                insert into %1$s.accounts (id, balance, currency, opened_at, updated_at, version)
                values (?, ?, ?, ?, ?, ?)
                on conflict (id) do update
                   set balance = excluded.balance, currency = excluded.currency, opened_at = excluded.opened_at,
                       updated_at = excluded.updated_at, version = excluded.version
                 where accounts.version < excluded.version
                """),
        CUSTOMER_DEACTIVATED("""
                update %1$s.customers set active = false, deactivated_at = ?, version = ?
                 where id = ? and version < ?
                """),
        ORDER_SHIPPED("""
                update %1$s.orders set status = 'SHIPPED', shipped_at = ?, version = ?
                 where id = ? and version < ?
                """),
        SHIPMENT("""
                insert into %1$s.shipments (order_id, tracking_number, carrier, shipped_at, processing_time_ms)
                values (?, ?, ?, ?, ?)
                on conflict (order_id) do nothing
                """),
        ORDER_CANCELLED("""
                update %1$s.orders set status = 'CANCELLED', cancelled_at = ?, cancel_reason = ?, version = ?
                 where id = ? and version < ?
                """),
        ACCOUNT_BALANCE("""
                update %1$s.accounts set balance = ?, updated_at = ?, version = ?
                 where id = ? and version < ?
                """);

        final String template;

        Step(String template) {
            this.template = template;
        }
    }

    private static final String SAVE_CHECKPOINT = """
            insert into %1$s.checkpoints (name, tx_id, position) values (?, ?, ?)
            on conflict (name) do update
               set tx_id = excluded.tx_id, position = excluded.position, updated_at = now()
             where (checkpoints.tx_id, checkpoints.position) < (excluded.tx_id, excluded.position)
            """;

    private static final String OVERWRITE_CHECKPOINT = """
            insert into %1$s.checkpoints (name, tx_id, position) values (?, ?, ?)
            on conflict (name) do update
               set tx_id = excluded.tx_id, position = excluded.position, updated_at = now()
            """;

    static final String READ_CHECKPOINT = "select tx_id, position from %1$s.checkpoints where name = ?";

    private static final String RECORD_SKIPPED = """
            insert into %1$s.skipped_versions (stream_id, version) values (?, ?)
            on conflict (stream_id) do update set version = excluded.version
             where skipped_versions.version < excluded.version
            """;

    private static final String READ_SKIPPED =
            "select stream_id, version from %1$s.skipped_versions where stream_id = any(?)";

    private static final String EXISTING_ROWS = """
            select id from %1$s.orders where id = any(?)
            union all select id from %1$s.customers where id = any(?)
            union all select id from %1$s.accounts where id = any(?)
            """;

    /** The events that create a stream's row; any other event of the stream changes that row. */
    private static final Set<String> CREATIONS = Set.of("CustomerRegistered", "OrderCreated", "AccountCreated");

    private final DataSource dataSource;
    private final RelationalSchema schema;
    private final EventTypeRegistry registry;

    public JdbcOrderProjector(DataSource dataSource, RelationalSchema schema, EventTypeRegistry registry)
            throws SQLException {
        this.dataSource = dataSource;
        this.schema = schema;
        this.registry = registry;
        schema.create(dataSource);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> eventTypes() {
        return TYPES;
    }

    @Override
    public LogPosition checkpoint() throws SQLException {
        return readCheckpoint(dataSource, schema);
    }

    static LogPosition readCheckpoint(DataSource dataSource, RelationalSchema schema) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(schema.sql(READ_CHECKPOINT))) {
            ps.setString(1, NAME);
            try (var rs = ps.executeQuery()) {
                return rs.next() ? new LogPosition(rs.getLong(1), rs.getLong(2)) : LogPosition.START;
            }
        }
    }

    /** Empties the view's tables, its skipped versions and its checkpoint in one transaction. */
    @Override
    public void reset() throws SQLException {
        try (Connection c = dataSource.getConnection(); var s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute(schema.sql("truncate %1$s.customers, %1$s.orders, %1$s.order_items, %1$s.shipments, "
                    + "%1$s.accounts, %1$s.skipped_versions"));
            try (PreparedStatement ps = c.prepareStatement(schema.sql("delete from %1$s.checkpoints where name = ?"))) {
                ps.setString(1, NAME);
                ps.executeUpdate();
            }
            c.commit();
        }
    }

    /**
     * Sets the checkpoint row to exactly {@code checkpoint}, also backwards. Recovery only, with the lane stopped: a
     * batch never moves it back.
     */
    @Override
    public void overwriteCheckpoint(LogPosition checkpoint) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(schema.sql(OVERWRITE_CHECKPOINT))) {
            ps.setString(1, NAME);
            ps.setLong(2, checkpoint.txId());
            ps.setLong(3, checkpoint.position());
            ps.executeUpdate();
        }
    }

    /** Raises the stream's skipped version to {@code version} (never lowers it). */
    @Override
    public void recordSkipped(String streamId, long version) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            recordSkipped(c, Map.of(streamId, version));
        }
    }

    @Override
    public void apply(EventBatch batch) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Map<Step, List<Object[]>> rows = new LinkedHashMap<>();
                for (Step step : Step.values()) {
                    rows.put(step, new ArrayList<>());
                }
                Map<String, Long> skipped = skippedVersions(c, batch.events());
                Set<String> withRow = skipped.isEmpty() ? new HashSet<>() : existingRows(c, skipped.keySet());
                Map<String, Long> skippedNow = new HashMap<>();
                for (RecordedEvent event : batch.events()) {
                    String stream = event.streamId();
                    Long skippedVersion = skipped.get(stream);
                    if (skippedVersion == null) {
                        collect(event, rows);
                    } else if (event.version() > skippedVersion) {
                        if (CREATIONS.contains(event.type()) || withRow.contains(stream)) {
                            withRow.add(stream);
                            collect(event, rows);
                        } else {
                            // the row's creation was skipped: nothing to change, the version is recorded
                            skippedNow.merge(stream, event.version(), Math::max);
                        }
                    } // else it was skipped, or applied before the skip
                }
                for (Map.Entry<Step, List<Object[]>> step : rows.entrySet()) {
                    if (step.getValue().isEmpty()) {
                        continue;
                    }
                    try (PreparedStatement ps = c.prepareStatement(schema.sql(step.getKey().template))) {
                        for (Object[] row : step.getValue()) {
                            for (int i = 0; i < row.length; i++) {
                                ps.setObject(i + 1, row[i]);
                            }
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                }
                recordSkipped(c, skippedNow);
                try (PreparedStatement ps = c.prepareStatement(schema.sql(SAVE_CHECKPOINT))) {
                    ps.setString(1, NAME);
                    ps.setLong(2, batch.checkpoint().txId());
                    ps.setLong(3, batch.checkpoint().position());
                    ps.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The skipped versions of the batch's streams that have one. */
    private Map<String, Long> skippedVersions(Connection c, List<RecordedEvent> events) throws SQLException {
        Map<String, Long> skipped = new HashMap<>();
        if (events.isEmpty()) {
            return skipped;
        }
        String[] streams = events.stream().map(RecordedEvent::streamId).distinct().toArray(String[]::new);
        try (PreparedStatement ps = c.prepareStatement(schema.sql(READ_SKIPPED))) {
            ps.setArray(1, c.createArrayOf("text", streams));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    skipped.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return skipped;
    }

    /** Which of these streams have a row (order, customer or account). */
    private Set<String> existingRows(Connection c, Set<String> streams) throws SQLException {
        Set<String> existing = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(schema.sql(EXISTING_ROWS))) {
            Array ids = c.createArrayOf("text", streams.toArray());
            for (int i = 1; i <= 3; i++) {
                ps.setArray(i, ids);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    existing.add(rs.getString(1));
                }
            }
        }
        return existing;
    }

    private void recordSkipped(Connection c, Map<String, Long> versions) throws SQLException {
        if (versions.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(schema.sql(RECORD_SKIPPED))) {
            for (Map.Entry<String, Long> skipped : versions.entrySet()) {
                ps.setString(1, skipped.getKey());
                ps.setLong(2, skipped.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void collect(RecordedEvent event, Map<Step, List<Object[]>> rows) {
        long v = event.version();
        Object decoded = registry.toObject(event);
        if (decoded instanceof CustomerRegistered e) {
            rows.get(Step.CUSTOMER_REGISTERED).add(new Object[] {
                    e.customerId(), e.name(), e.email(), ts(e.registeredAt()), v});
        } else if (decoded instanceof CustomerDeactivated e) {
            rows.get(Step.CUSTOMER_DEACTIVATED).add(new Object[] {ts(e.deactivatedAt()), v, e.customerId(), v});
        } else if (decoded instanceof OrderCreated e) {
            rows.get(Step.ORDER_CREATED).add(new Object[] {e.orderId(), e.customerId(), e.customerName(),
                    e.totalAmount(), e.currency(), ts(e.createdAt()), v});
            int line = 1;
            for (OrderItem item : e.items()) {
                rows.get(Step.ORDER_ITEM).add(new Object[] {e.orderId(), line++, item.name(), item.price(),
                        item.quantity()});
            }
        } else if (decoded instanceof OrderShipped e) {
            rows.get(Step.ORDER_SHIPPED).add(new Object[] {ts(e.shippedAt()), v, e.orderId(), v});
            rows.get(Step.SHIPMENT).add(new Object[] {e.orderId(), e.trackingNumber(), e.carrier(),
                    ts(e.shippedAt()), e.processingTimeMs()});
        } else if (decoded instanceof OrderCancelled e) {
            rows.get(Step.ORDER_CANCELLED).add(new Object[] {ts(e.cancelledAt()), e.reason(), v, e.orderId(), v});
        } else if (decoded instanceof AccountCreated e) {
            rows.get(Step.ACCOUNT_CREATED).add(new Object[] {
                    e.accountId(), e.initialBalance(), e.currency(), ts(e.openedAt()), ts(e.openedAt()), v});
        } else if (decoded instanceof MoneyDeposited e) {
            rows.get(Step.ACCOUNT_BALANCE).add(new Object[] {e.balanceAfter(), ts(e.depositedAt()), v, e.accountId(), v});
        } else if (decoded instanceof MoneyWithdrawn e) {
            rows.get(Step.ACCOUNT_BALANCE).add(new Object[] {e.balanceAfter(), ts(e.withdrawnAt()), v, e.accountId(), v});
        } else {
            throw new IllegalArgumentException("Unexpected event type " + event.type());
        }
    }

    private static Timestamp ts(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    /** Lost connections, shutdowns, serialization failures and lack of resources are PostgreSQL's, not the event's. */
    @Override
    public FailureKind classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return FailureKind.TRANSIENT;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")
                        || state.equals("40001") || state.equals("40P01")) {
                    return FailureKind.TRANSIENT;
                }
            }
        }
        return FailureKind.ofCauseChain(failure);
    }
}
