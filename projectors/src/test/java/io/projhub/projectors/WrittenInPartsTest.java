package io.projhub.projectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.Driver;

import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.projhub.core.domain.customer.CustomerRegistered;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.eventstore.postgres.PostgresEventStore;
import io.projhub.core.projection.LaneSettings;
import io.projhub.core.projection.ProjectionSubscriber;
import io.projhub.core.projection.ProjectionSubscribers;
import io.projhub.core.projection.Projector;
import io.projhub.core.projection.SubscriberSettings;
import io.projhub.definitions.DefinedReadModel;
import io.projhub.projectors.neo4j.Neo4jConnector;
import io.projhub.projectors.neo4j.Neo4jDefinedReadModel;
import io.projhub.projectors.neo4j.Neo4jGraphQueries;
import io.projhub.projectors.redis.RedisConnector;
import io.projhub.projectors.redis.RedisDefinedReadModel;
import io.projhub.projectors.testing.OrderEventLog;
import io.projhub.projectors.testing.ShippedDefinitions;
import io.projhub.projectors.testing.TestDatabase;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import redis.clients.jedis.UnifiedJedis;

/**
 * A lane that splits its writes (issue 16) applies a batch's parts at once, then the checkpoint alone: read models of
 * the shipped definitions in real Neo4j (the order graph) and Redis (the account balances), projected by real lanes
 * from a real log with four parts, end exactly as the same read models projected by a lane that writes whole batches,
 * although many orders share customers and products (placeholder nodes) and accounts share counters, and the batch
 * really was split.
 */
@RealStores
class WrittenInPartsTest {

    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
    private static final String[] PRODUCTS = {"Widget", "Gadget", "Gizmo"};

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final List<String> customers = new ArrayList<>();
    private final List<String> orders = new ArrayList<>();
    private HikariDataSource events;
    private PostgresEventStore eventStore;

    private OrderEventLog log() {
        OrderEventLog log = new OrderEventLog(1);
        for (int c = 0; c < 4; c++) {
            String customer = "customer-" + run + "-" + c;
            customers.add(customer);
            log.append(customer, "customer", new CustomerRegistered(customer, "Customer " + c, c + "@example.org", T0),
                    T0);
        }
        for (int o = 0; o < 80; o++) {
            String order = "order-" + run + "-" + o;
            orders.add(order);
            Instant at = T0.plusSeconds(o);
            log.created(order, customers.get(o % 4), "Customer " + (o % 4), o % 3 == 0 ? "USD" : "EUR",
                    (o + 1) + ".25", at, PRODUCTS[o % 3], PRODUCTS[(o + 1) % 3]);
            if (o >= 2 && o % 2 == 0) {
                String earlier = orders.get(o - 2);
                log.shipped(earlier, o % 4 == 0 ? "DHL" : "UPS", "TRK-" + earlier, at.plusMillis(500), 500);
            }
            if (o >= 3 && o % 5 == 0) {
                log.cancelled(orders.get(o - 3), "changed mind", at.plusMillis(700));
            }
        }
        return log;
    }

    @Test
    void theOrderGraphWrittenInPartsIsTheGraphWrittenWhole(StoreEndpoints stores) throws Exception {
        OrderEventLog log = log();
        try (Driver driver = Neo4jConnector.connect(stores.neo4jUri(), stores.neo4jUser(), stores.neo4jPassword())) {
            Neo4jDefinedReadModel whole = new Neo4jDefinedReadModel(driver, "pw" + run,
                    ShippedDefinitions.program("order-graph"));
            Neo4jDefinedReadModel parts = new Neo4jDefinedReadModel(driver, "pp" + run,
                    ShippedDefinitions.program("order-graph"));
            try {
                project(stores, log, whole, 1);
                project(stores, log, parts, 4);

                Neo4jGraphQueries wholeGraph = new Neo4jGraphQueries(driver, whole);
                Neo4jGraphQueries partsGraph = new Neo4jGraphQueries(driver, parts);
                for (String customer : customers) {
                    assertThat(partsGraph.customerOrdersGraph(customer))
                            .isEqualTo(wholeGraph.customerOrdersGraph(customer)).isPresent();
                }
                for (String order : orders) {
                    assertThat(partsGraph.orderGraph(order)).isEqualTo(wholeGraph.orderGraph(order)).isPresent();
                }
                sameVersions(whole, parts, log);
            } finally {
                whole.drop();
                parts.drop();
            }
        }
    }

    /**
     * Accounts in Redis (account-balances: a hash each, counters with per-stream contributions, a ranking that keeps
     * every account). The order stats would not split: their "recent" set keeps the 1,000 latest, and trimming
     * depends on the order of the adds, so every OrderCreated of a batch names it and they stay in one part.
     */
    @Test
    void theAccountBalancesWrittenInPartsAreTheBalancesWrittenWhole(StoreEndpoints stores) throws Exception {
        OrderEventLog log = new OrderEventLog(1);
        List<String> accounts = new ArrayList<>();
        for (int a = 0; a < 40; a++) {
            String account = "account-" + run + "-" + a;
            accounts.add(account);
            String currency = a % 3 == 0 ? "USD" : "EUR";
            log.opened(account, "100.00", currency, T0.plusSeconds(a));
            log.deposited(account, (a + 1) + ".50", currency, (101 + a) + ".50", T0.plusSeconds(60 + a));
            if (a % 2 == 0) {
                log.withdrawn(account, "20.25", currency, (81 + a) + ".25", T0.plusSeconds(120 + a));
            }
        }
        try (UnifiedJedis redis = RedisConnector.connect(stores.redisUrl())) {
            RedisDefinedReadModel whole = new RedisDefinedReadModel(redis, "pw" + run,
                    ShippedDefinitions.program("account-balances"));
            RedisDefinedReadModel parts = new RedisDefinedReadModel(redis, "pp" + run,
                    ShippedDefinitions.program("account-balances"));
            try {
                project(stores, log, whole, 1);
                project(stores, log, parts, 4);

                List<String> counters = List.of("accounts", "balance-EUR", "balance-USD", "deposited-EUR",
                        "deposited-USD", "withdrawn-EUR", "withdrawn-USD");
                assertThat(parts.counters(counters)).isEqualTo(whole.counters(counters)).hasSize(counters.size());
                for (String counter : counters) {
                    assertThat(parts.counterContributions(counter)).isEqualTo(whole.counterContributions(counter))
                            .isNotEmpty();
                }
                assertThat(parts.documents(accounts)).isEqualTo(whole.documents(accounts)).hasSize(accounts.size());
                assertThat(parts.sortedSet("by-balance", 1000, true))
                        .isEqualTo(whole.sortedSet("by-balance", 1000, true)).hasSize(accounts.size());
                sameVersions(whole, parts, log);
            } finally {
                whole.drop();
                parts.drop();
            }
        }
    }

    /**
     * Appends the log to an empty event store (its own database) once, then projects it into {@code model} with a
     * lane of {@code partitions}, until the checkpoint is at the head; with more than one, checks that it split.
     */
    private void project(StoreEndpoints stores, OrderEventLog log, DefinedReadModel model, int partitions)
            throws Exception {
        if (events == null) {
            events = TestDatabase.emptyLog(stores);
            eventStore = new PostgresEventStore(events, EventTypeRegistry.empty());
            for (RecordedEvent e : log.events()) {
                eventStore.append(e.streamId(), e.streamType(), ExpectedVersion.ANY,
                        List.of(new NewEvent(e.type(), e.data())));
            }
        }
        LogPosition head = eventStore.head().orElseThrow().position();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        Map<Projector, LaneSettings> lane = Map.of(model.projector(), LaneSettings.DEFAULTS.withPartitions(partitions));
        try (ProjectionSubscriber subscriber = ProjectionSubscribers.polling(events, eventStore, lane,
                new SubscriberSettings(1000, Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofSeconds(5),
                        Duration.ofSeconds(20)), metrics)) {
            subscriber.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> model.probe().checkpoint().compareTo(head) >= 0);
        }
        double split = metrics.get("projhub_batches_split").tag("lane", model.projector().name()).counter().count();
        if (partitions > 1) {
            assertThat(split).as("the lane wrote the batch in parts").isPositive();
        } else {
            assertThat(split).isZero();
        }
    }

    @AfterEach
    void closeTheLog() {
        if (events != null) {
            events.close();
        }
    }

    private static void sameVersions(DefinedReadModel whole, DefinedReadModel parts, OrderEventLog log)
            throws Exception {
        for (RecordedEvent event : log.events()) {
            assertThat(parts.probe().appliedVersion(event.streamId()))
                    .isEqualTo(whole.probe().appliedVersion(event.streamId())).isPositive();
        }
    }
}
