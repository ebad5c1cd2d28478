package io.projhub.projectors.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

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
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

@RealStores
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcReadModelTest {

    private static final EventTypeRegistry REGISTRY = DomainEventTypes.registry();
    private static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");

    private HikariDataSource dataSource;
    private RelationalSchema schema;

    @BeforeAll
    void connect(StoreEndpoints stores) {
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
