package io.projhub.projectors.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.domain.account.AccountCreated;
import io.projhub.core.domain.account.MoneyDeposited;
import io.projhub.core.domain.account.MoneyWithdrawn;
import io.projhub.core.domain.customer.CustomerDeactivated;
import io.projhub.core.domain.customer.CustomerRegistered;
import io.projhub.core.domain.order.OrderCancelled;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.domain.order.OrderItem;
import io.projhub.core.domain.order.OrderShipped;
import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import io.projhub.projectors.testing.Resequenced;

@RealStores
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcReadModelTest {

    private static final EventTypeRegistry REGISTRY = DomainEventTypes.registry();
    private static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");

    private StoreEndpoints stores;
    private HikariDataSource dataSource;
    private RelationalSchema schema;

    @BeforeAll
    void connect(StoreEndpoints stores) {
        this.stores = stores;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(stores.postgresUrl());
        config.setUsername(stores.postgresUser());
        config.setPassword(stores.postgresPassword());
        config.setMaximumPoolSize(4);
        dataSource = new HikariDataSource(config);
        schema = new RelationalSchema("rm_test_" + UUID.randomUUID().toString().substring(0, 8));
    }

    @AfterAll
    void dropSchema() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("drop schema if exists " + schema.name() + " cascade");
        }
        dataSource.close();
    }

    /** The log of a small shop: two customers, three orders (one shipped, one cancelled), an account. */
    private static final class Log {
        final List<RecordedEvent> events = new ArrayList<>();
        final String ada = "customer-" + UUID.randomUUID();
        final String bob = "customer-" + UUID.randomUUID();
        final String shipped = "order-" + UUID.randomUUID();
        final String cancelled = "order-" + UUID.randomUUID();
        final String open = "order-" + UUID.randomUUID();
        final String account = "account-" + UUID.randomUUID();
        long position = 1_000_000;

        Log() {
            add(ada, 1, new CustomerRegistered(ada, "Ada Lovelace", "ada@example.com", T0));
            add(bob, 1, new CustomerRegistered(bob, "Bob Stone", "bob@example.com", T0));
            add(shipped, 1, created(shipped, ada, "Ada Lovelace", "25.50", 2));
            add(cancelled, 1, created(cancelled, bob, "Bob Stone", "10.00", 1));
            add(open, 1, created(open, ada, "Ada Lovelace", "3.25", 4));
            add(shipped, 2, new OrderShipped(shipped, "TRK-1", "DHL", T0.plusSeconds(3600), 3_600_000));
            add(cancelled, 2, new OrderCancelled(cancelled, "changed my mind", T0.plusSeconds(60)));
            add(bob, 2, new CustomerDeactivated(bob, "left", T0.plusSeconds(120)));
            add(account, 1, new AccountCreated(account, new BigDecimal("100.00"), "EUR", T0));
            add(account, 2, new MoneyDeposited(account, new BigDecimal("50.00"), "EUR", "salary", new BigDecimal("150.00"), T0.plusSeconds(1)));
            add(account, 3, new MoneyWithdrawn(account, new BigDecimal("30.25"), "EUR", "rent", new BigDecimal("119.75"), T0.plusSeconds(2)));
        }

        static OrderCreated created(String id, String customer, String name, String price, int quantity) {
            BigDecimal unit = new BigDecimal(price);
            return new OrderCreated(id, customer, name, "EUR",
                    List.of(new OrderItem("Widget", unit, quantity), new OrderItem("Gadget", new BigDecimal("1.00"), 1)),
                    unit.multiply(BigDecimal.valueOf(quantity)).add(new BigDecimal("1.00")), T0);
        }

        void add(String stream, long version, Object event) {
            NewEvent e = REGISTRY.toNewEvent(event, EventMetadata.EMPTY);
            position++;
            events.add(new RecordedEvent(position, position, stream, stream.substring(0, stream.indexOf('-')), version,
                    e.type(), 1, e.data(), EventMetadata.EMPTY, T0.plusMillis(position)));
        }

        LogPosition end() {
            return events.get(events.size() - 1).logPosition();
        }

        RecordedEvent event(String stream, long version) {
            return events.stream().filter(e -> e.streamId().equals(stream) && e.version() == version).findFirst()
                    .orElseThrow();
        }
    }

    private JdbcOrderProjector projector() throws Exception {
        return new JdbcOrderProjector(dataSource, schema, REGISTRY);
    }

    @Test
    void aBatchGivesTheRowsTheEventsImplyAndReplaysChangeNothing() throws Exception {
        Log log = new Log();
        JdbcOrderProjector projector = projector();
        JdbcOrderQueries queries = new JdbcOrderQueries(dataSource, schema);

        projector.apply(new EventBatch(log.events, log.end()));
        String once = snapshot(log);

        var shipped = queries.orderDetails(log.shipped).orElseThrow();
        assertThat(shipped.status()).isEqualTo("SHIPPED");
        assertThat(shipped.totalAmount()).isEqualByComparingTo("52.00");
        assertThat(shipped.totalAmount().scale()).isEqualTo(2);
        assertThat(shipped.customer().name()).isEqualTo("Ada Lovelace");
        assertThat(shipped.customer().email()).isEqualTo("ada@example.com");
        assertThat(shipped.items()).extracting(OrderDetails.Item::name).containsExactly("Widget", "Gadget");
        assertThat(shipped.shipment().trackingNumber()).isEqualTo("TRK-1");
        assertThat(shipped.shipment().carrier()).isEqualTo("DHL");
        assertThat(shipped.version()).isEqualTo(2);
        var cancelled = queries.orderDetails(log.cancelled).orElseThrow();
        assertThat(cancelled.status()).isEqualTo("CANCELLED");
        assertThat(cancelled.cancelReason()).isEqualTo("changed my mind");
        assertThat(cancelled.customer().active()).isFalse();
        assertThat(cancelled.shipment()).isNull();
        assertThat(queries.orderDetails(log.open).orElseThrow().status()).isEqualTo("CREATED");
        assertThat(queries.orderDetails("order-missing")).isEmpty();
        assertThat(queries.account(log.account).orElseThrow().balance()).isEqualByComparingTo("119.75");

        // The same batch again, the whole log replayed from the start by a new instance, and a redelivery.
        projector.apply(new EventBatch(log.events, log.end()));
        projector().apply(new EventBatch(log.events, log.end()));
        projector().apply(new EventBatch(log.events, log.end(), true));
        assertThat(snapshot(log)).isEqualTo(once);
    }

    @Test
    void anOlderEventAppliedLaterDoesNotOverwriteNewerData() throws Exception {
        Log log = new Log();
        JdbcOrderProjector projector = projector();
        projector.apply(new EventBatch(log.events, log.end()));

        RecordedEvent oldCreated = log.events.stream().filter(e -> e.streamId().equals(log.shipped) && e.version() == 1)
                .findFirst().orElseThrow();
        projector.apply(new EventBatch(List.of(oldCreated), log.end(), true));

        assertThat(new JdbcOrderQueries(dataSource, schema).orderDetails(log.shipped).orElseThrow().status())
                .isEqualTo("SHIPPED");
    }

    @Test
    void theCheckpointAndAppliedVersionsAreReadFromTheTablesAndNeverGoBackwards() throws Exception {
        Log log = new Log();
        JdbcOrderProjector projector = projector();
        JdbcProbe probe = new JdbcProbe(dataSource, schema);

        projector.apply(new EventBatch(log.events, log.end()));

        assertThat(new JdbcProbe(dataSource, schema).checkpoint()).isEqualTo(log.end());
        assertThat(projector().checkpoint()).isEqualTo(log.end());
        assertThat(probe.appliedVersion(log.shipped)).isEqualTo(2);
        assertThat(probe.appliedVersion(log.account)).isEqualTo(3);
        assertThat(probe.appliedVersion(log.bob)).isEqualTo(2);
        assertThat(probe.appliedVersion("order-unknown")).isZero();

        projector.apply(new EventBatch(List.of(), new LogPosition(1, 1)));
        assertThat(probe.checkpoint()).isEqualTo(log.end());
    }

    @Test
    void anOverwrittenCheckpointMovesBackAndTheEventsAfterItApplyAgainLeavingTheRowsAsTheyWere() throws Exception {
        Log log = new Log();
        JdbcOrderProjector projector = projector();
        JdbcProbe probe = new JdbcProbe(dataSource, schema);
        projector.apply(new EventBatch(log.events, log.end()));
        String once = snapshot(log);

        LogPosition lower = log.events.get(4).logPosition();
        projector.overwriteCheckpoint(lower);
        assertThat(projector().checkpoint()).isEqualTo(lower);
        assertThat(probe.checkpoint()).isEqualTo(lower);
        assertThat(snapshot(log)).as("the rows stay as they are").isEqualTo(once);

        projector.apply(new EventBatch(log.events.subList(5, log.events.size()), log.end()));
        assertThat(snapshot(log)).isEqualTo(once);
        assertThat(probe.checkpoint()).isEqualTo(log.end());

        // As after the log's re-sequencing: every event at the same low tx id, below the checkpoint the view holds.
        List<RecordedEvent> resequenced = Resequenced.events(log.events);
        LogPosition last = Resequenced.position(log.events.get(log.events.size() - 1));
        projector.overwriteCheckpoint(Resequenced.position(log.events.get(4)));
        assertThat(probe.checkpoint()).isEqualTo(Resequenced.position(log.events.get(4)));
        projector.apply(new EventBatch(resequenced.subList(5, log.events.size()), last));
        assertThat(snapshot(log)).isEqualTo(once);
        assertThat(probe.checkpoint()).isEqualTo(last);

        projector.overwriteCheckpoint(LogPosition.START);
        assertThat(projector.checkpoint()).isEqualTo(LogPosition.START);
        assertThat(probe.checkpoint()).isEqualTo(LogPosition.START);
        log.add(log.open, 2, new OrderCancelled(log.open, "late", T0.plusSeconds(900)));
        RecordedEvent next = Resequenced.events(log.events.subList(log.events.size() - 1, log.events.size())).get(0);
        projector.apply(new EventBatch(List.of(next), next.logPosition()));
        assertThat(probe.checkpoint()).isEqualTo(next.logPosition());
        assertThat(probe.appliedVersion(log.open)).isEqualTo(2);
        assertThat(new JdbcOrderQueries(dataSource, schema).orderDetails(log.open).orElseThrow().status())
                .isEqualTo("CANCELLED");
    }

    @Test
    void aSkippedCreationIsRecordedOutsideTheViewAndTheStreamsLaterVersionsOnlyRaiseIt() throws Exception {
        Log log = new Log();
        JdbcOrderProjector projector = projector();
        JdbcProbe probe = new JdbcProbe(dataSource, schema);
        JdbcOrderQueries queries = new JdbcOrderQueries(dataSource, schema);
        RecordedEvent created = log.event(log.shipped, 1);
        RecordedEvent shipped = log.event(log.shipped, 2);

        projector.recordSkipped(log.shipped, 1);

        assertThat(probe.appliedVersion(log.shipped)).isEqualTo(1);
        assertThat(queries.orderDetails(log.shipped)).isEmpty();

        // The chain parked behind the skipped event is released as a redelivery.
        projector.apply(new EventBatch(List.of(shipped), log.end(), true));

        assertThat(probe.appliedVersion(log.shipped)).isEqualTo(2);
        assertThat(queries.orderDetails(log.shipped)).isEmpty();
        assertThat(rows("shipments", "order_id", log.shipped)).as("no shipment of an order never created").isZero();

        projector.recordSkipped(log.shipped, 1);
        assertThat(probe.appliedVersion(log.shipped)).as("a lower skipped version never lowers it").isEqualTo(2);
        projector.apply(new EventBatch(List.of(created, shipped), log.end(), true));
        assertThat(queries.orderDetails(log.shipped)).as("the skipped event delivered again is not applied").isEmpty();

        // A later event in an ordinary batch: the account whose opening was skipped gets no row.
        projector.recordSkipped(log.account, 1);
        projector.apply(new EventBatch(List.of(log.event(log.account, 2)), log.end()));
        assertThat(probe.appliedVersion(log.account)).isEqualTo(2);
        assertThat(queries.account(log.account)).isEmpty();
    }

    @Test
    void aSkippedChangeCountsAsAppliedAndTheNextVersionAppliesNormally() throws Exception {
        Log log = new Log();
        JdbcOrderProjector projector = projector();
        projector.apply(new EventBatch(List.of(log.event(log.account, 1)), log.end()));

        projector.recordSkipped(log.account, 2);
        projector.apply(new EventBatch(List.of(log.event(log.account, 2)), log.end(), true));
        assertThat(new JdbcOrderQueries(dataSource, schema).account(log.account).orElseThrow().balance())
                .as("the skipped deposit is not applied").isEqualByComparingTo("100.00");

        projector.apply(new EventBatch(List.of(log.event(log.account, 3)), log.end()));

        assertThat(new JdbcProbe(dataSource, schema).appliedVersion(log.account)).isEqualTo(3);
        assertThat(new JdbcOrderQueries(dataSource, schema).account(log.account).orElseThrow().balance())
                .isEqualByComparingTo("119.75");
    }

    @Test
    void aResetForgetsTheSkippedVersions() throws Exception {
        RelationalSchema own = new RelationalSchema("rm_reset_" + UUID.randomUUID().toString().substring(0, 8));
        try {
            JdbcOrderProjector projector = new JdbcOrderProjector(dataSource, own, REGISTRY);
            projector.recordSkipped("order-skipped", 4);
            assertThat(new JdbcProbe(dataSource, own).appliedVersion("order-skipped")).isEqualTo(4);

            projector.reset();

            assertThat(new JdbcProbe(dataSource, own).appliedVersion("order-skipped")).isZero();
        } finally {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("drop schema if exists " + own.name() + " cascade");
            }
        }
    }

    // Classification. Real server errors: 40001 (serialization failure), 40P01 (deadlock), 57P01 (backend
    // terminated by pg_terminate_backend), 08001 (connection refused), 23502 (bad data: a null name). Built as PgJDBC builds them
    // from the server's error message: 53300 (too many connections) and 57P03 (cannot connect now), which this
    // shared server cannot be brought into without harm.

    @Test
    void aSerializationFailureIsTransient() throws Exception {
        String table = scratchTable();
        try (Connection a = connection(); Connection b = connection()) {
            for (Connection c : List.of(a, b)) {
                c.setAutoCommit(false);
                c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            }
            // Each reads what the other writes: one of the two cannot be serialized.
            execute(a, "select sum(n) from " + table + " where id = 1");
            execute(b, "select sum(n) from " + table + " where id = 2");
            execute(a, "update " + table + " set n = n + 1 where id = 2");
            SQLException failure = catchSql(() -> {
                execute(b, "update " + table + " set n = n + 1 where id = 1");
                a.commit();
                b.commit();
            });

            assertThat(failure.getSQLState()).isEqualTo("40001");
            assertThat(projector().classify(failure)).isEqualTo(FailureKind.TRANSIENT);
        }
    }

    @Test
    void aDeadlockIsTransient() throws Exception {
        String table = scratchTable();
        try (Connection a = connection(); Connection b = connection()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            execute(a, "update " + table + " set n = n + 1 where id = 1");
            execute(b, "update " + table + " set n = n + 1 where id = 2");
            // Each now waits for the other's row: PostgreSQL aborts one of them.
            CompletableFuture<SQLException> first = CompletableFuture.supplyAsync(
                    () -> updateOrRollBack(a, "update " + table + " set n = n + 1 where id = 2"));
            SQLException second = updateOrRollBack(b, "update " + table + " set n = n + 1 where id = 1");
            SQLException failure = second != null ? second : first.join();

            assertThat(failure.getSQLState()).isEqualTo("40P01");
            assertThat(projector().classify(failure)).isEqualTo(FailureKind.TRANSIENT);
            first.join();
        }
    }

    @Test
    void aConnectionTerminatedByTheServerOrRefusedIsTransient() throws Exception {
        try (Connection victim = connection(); Connection admin = connection()) {
            long pid;
            try (ResultSet rs = victim.createStatement().executeQuery("select pg_backend_pid()")) {
                rs.next();
                pid = rs.getLong(1);
            }
            execute(admin, "select pg_terminate_backend(" + pid + ")");
            SQLException terminated = catchSql(() -> execute(victim, "select 1"));

            assertThat(terminated.getSQLState()).as(terminated.toString()).matches("57P01|08006|08003");
            assertThat(projector().classify(terminated)).isEqualTo(FailureKind.TRANSIENT);
        }
        SQLException refused = catchSql(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:1/projhub",
                stores.postgresUser(), stores.postgresPassword()).close());
        assertThat(refused.getSQLState()).isEqualTo("08001");
        assertThat(projector().classify(refused)).isEqualTo(FailureKind.TRANSIENT);
    }

    @Test
    void aServerShortOfResourcesOrStartingIsTransientAndBadDataPermanent() throws Exception {
        JdbcOrderProjector projector = projector();
        assertThat(projector.classify(serverError("53300", "sorry, too many clients already")))
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(projector.classify(serverError("57P03", "the database system is starting up")))
                .isEqualTo(FailureKind.TRANSIENT);

        Log log = new Log();
        String order = "order-" + UUID.randomUUID();
        log.add(order, 1, new OrderCreated(order, log.ada, null, "EUR", List.of(), new BigDecimal("1.00"), T0));
        RecordedEvent withoutName = log.event(order, 1);
        assertThatThrownBy(() -> projector.apply(new EventBatch(List.of(withoutName), withoutName.logPosition())))
                .isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("23502");
                    assertThat(projector.classify(e)).isEqualTo(FailureKind.PERMANENT);
                });
    }

    /** A server error as PgJDBC builds it from the server's ErrorResponse fields (severity, code, message). */
    private static PSQLException serverError(String sqlState, String message) {
        return new PSQLException(new ServerErrorMessage("SFATAL\0C" + sqlState + "\0M" + message + "\0"));
    }

    /** A table of two rows (ids 1 and 2) in the test's schema. */
    private String scratchTable() throws SQLException {
        String table = schema.name() + ".scratch_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = connection()) {
            execute(c, "create table " + table + " (id int primary key, n int not null)");
            execute(c, "insert into " + table + " values (1, 0), (2, 0)");
        }
        return table;
    }

    private Connection connection() throws SQLException {
        schema.create(dataSource);
        return DriverManager.getConnection(stores.postgresUrl(), stores.postgresUser(), stores.postgresPassword());
    }

    private long rows(String table, String column, String value) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select count(*) from " + schema.name() + "." + table + " where " + column + " = ?")) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private interface SqlAction {
        void run() throws SQLException;
    }

    /** Runs the statement; if it fails, rolls back (releasing the transaction's locks) and returns the failure. */
    private static SQLException updateOrRollBack(Connection c, String sql) {
        SQLException failure = catchSqlOrNull(() -> execute(c, sql));
        if (failure != null) {
            catchSqlOrNull(c::rollback);
        }
        return failure;
    }

    private static SQLException catchSqlOrNull(SqlAction action) {
        try {
            action.run();
            return null;
        } catch (SQLException e) {
            return e;
        }
    }

    private static SQLException catchSql(SqlAction action) {
        SQLException failure = catchSqlOrNull(action);
        if (failure == null) {
            throw new AssertionError("expected an SQLException");
        }
        return failure;
    }

    @Test
    void aFreshSchemaStartsAtTheBeginningOfTheLog() throws Exception {
        RelationalSchema fresh = new RelationalSchema("rm_fresh_" + UUID.randomUUID().toString().substring(0, 8));
        try {
            JdbcOrderProjector projector = new JdbcOrderProjector(dataSource, fresh, REGISTRY);
            assertThat(projector.checkpoint()).isEqualTo(LogPosition.START);
        } finally {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("drop schema if exists " + fresh.name() + " cascade");
            }
        }
    }

    @Test
    void aSchemaNameThatIsNotAPlainIdentifierIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RelationalSchema("x; drop table events"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema");
    }

    /** Every row of this log's ids in every table, as text, for exact before/after comparison. */
    private String snapshot(Log log) throws Exception {
        StringBuilder out = new StringBuilder();
        String ids = String.join("','", log.ada, log.bob, log.shipped, log.cancelled, log.open, log.account);
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String table : List.of("customers", "orders", "order_items", "shipments", "accounts")) {
                String key = table.equals("order_items") || table.equals("shipments") ? "order_id" : "id";
                try (ResultSet rs = s.executeQuery("select * from " + schema.name() + "." + table + " where " + key
                        + " in ('" + ids + "') order by 1, 2")) {
                    int columns = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        out.append(table).append(':');
                        for (int i = 1; i <= columns; i++) {
                            out.append(rs.getString(i)).append('|');
                        }
                        out.append('\n');
                    }
                }
            }
        }
        assertThat(out).isNotEmpty();
        return out.toString();
    }
}
