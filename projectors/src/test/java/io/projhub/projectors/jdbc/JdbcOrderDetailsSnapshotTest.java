package io.projhub.projectors.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.domain.order.OrderItem;
import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

/**
 * Regression (issue 14, part 3): order details were read with two statements under READ COMMITTED (items, then the
 * order), so an order committed between them came back without its items. They are now read in one snapshot.
 */
@RealStores
class JdbcOrderDetailsSnapshotTest {

    private static final EventTypeRegistry REGISTRY = DomainEventTypes.registry();

    @Test
    void anOrderCommittedBetweenTheTwoStatementsIsNotSeenWithoutItsItems(StoreEndpoints stores) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(stores.postgresUrl());
        config.setUsername(stores.postgresUser());
        config.setPassword(stores.postgresPassword());
        config.setMaximumPoolSize(4);
        RelationalSchema schema = new RelationalSchema("rm_snap_" + UUID.randomUUID().toString().substring(0, 8));
        try (HikariDataSource dataSource = new HikariDataSource(config)) {
            try {
                JdbcOrderProjector projector = new JdbcOrderProjector(dataSource, schema, REGISTRY);
                JdbcOrderQueries queries = new JdbcOrderQueries(dataSource, schema);
                String order = "order-" + UUID.randomUUID();
                OrderCreated created = new OrderCreated(order, "customer-x", "Ada", "EUR",
                        List.of(new OrderItem("Widget", new BigDecimal("2.00"), 3)), new BigDecimal("6.00"),
                        Instant.parse("2026-11-01T10:00:00Z"));
                NewEvent e = REGISTRY.toNewEvent(created, EventMetadata.EMPTY);
                RecordedEvent event = new RecordedEvent(5_000_000, 5_000_000, order, "order", 1, e.type(), 1, e.data(),
                        EventMetadata.EMPTY, Instant.now());
                queries.betweenStatements(() -> {
                    try {
                        projector.apply(new EventBatch(List.of(event), event.logPosition()));
                    } catch (Exception failure) {
                        throw new IllegalStateException(failure);
                    }
                });

                // The write lands between the two statements: the read sees the snapshot before it, consistently.
                assertThat(queries.orderDetails(order)).isEmpty();

                queries.betweenStatements(() -> { });
                assertThat(queries.orderDetails(order)).hasValueSatisfying(d -> assertThat(d.items()).hasSize(1));
            } finally {
                try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                    s.execute("drop schema if exists " + schema.name() + " cascade");
                }
            }
        }
    }
}
