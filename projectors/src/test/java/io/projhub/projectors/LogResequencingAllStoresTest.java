package io.projhub.projectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.Driver;

import com.influxdb.client.InfluxDBClient;
import com.zaxxer.hikari.HikariDataSource;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
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
import io.projhub.core.domain.order.OrderStatus;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.eventstore.postgres.LogResequencing;
import io.projhub.core.eventstore.postgres.PostgresEventStore;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.Projector;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.projectors.elasticsearch.ElasticsearchConnector;
import io.projhub.definitions.DefinedReadModel;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel;
import io.projhub.projectors.elasticsearch.ElasticsearchOrderQueries;
import io.projhub.projectors.jdbc.JdbcDefinedReadModel;
import io.projhub.projectors.redis.RedisDefinedReadModel;
import io.projhub.projectors.testing.ShippedDefinitions;
import io.projhub.projectors.testing.TestDatabase;
import io.projhub.projectors.elasticsearch.OrderDocument;
import io.projhub.projectors.elasticsearch.OrderSearchRequest;
import io.projhub.projectors.elasticsearch.OrderSearchResult;
import io.projhub.projectors.influxdb.InfluxConnector;
import io.projhub.projectors.influxdb.InfluxLifecycleQueries;
import io.projhub.projectors.influxdb.InfluxDefinedReadModel;
import io.projhub.projectors.influxdb.LifecycleGroupBy;
import io.projhub.projectors.influxdb.OrderLifecycleReport;
import io.projhub.projectors.neo4j.GraphEdge;
import io.projhub.projectors.neo4j.GraphView;
import io.projhub.projectors.neo4j.Neo4jConnector;
import io.projhub.projectors.neo4j.Neo4jGraphQueries;
import io.projhub.projectors.neo4j.Neo4jDefinedReadModel;
import io.projhub.projectors.redis.OrderStats;
import io.projhub.projectors.redis.RedisConnector;
import io.projhub.projectors.redis.RedisOrderQueries;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import redis.clients.jedis.JedisPooled;

/**
 * The recovery after the event log was restored into another PostgreSQL cluster ({@link LogResequencing},
 * {@code deploy/resequence-log.sh}), end to end on all five read models in their real stores: their checkpoints come
 * from the old cluster, events appended after the restore are invisible from them; once each checkpoint is
 * overwritten and the log re-sequenced, every read model reads on from its checkpoint and ends exact, nothing lost
 * and nothing counted twice (an event it had is applied again). Works in the database {@code projhub_recovery}, whose
 * every transaction id the recovery rewrites; each read model in its own namespace or schema.
 */
@RealStores
class LogResequencingAllStoresTest {

    private static final long RESTORE_OFFSET = 4_000_000_000L;
    private static final EventTypeRegistry REGISTRY = DomainEventTypes.registry();

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String namespace = "rs" + suffix;
    private final String ada = "customer-" + UUID.randomUUID();
    private final String bob = "customer-" + UUID.randomUUID();
    private final String account = "account-" + UUID.randomUUID();
    private final List<String> orders = new ArrayList<>();
    private final String widget = "Widget " + suffix;
    private final String gadget = "Gadget " + suffix;
    private final String dhl = "DHL " + suffix;
    private final String ups = "UPS " + suffix;
    private final List<String> tracking = new ArrayList<>();

    private StoreEndpoints stores;
    private HikariDataSource recovery;
    private PostgresEventStore store;
    private JedisPooled redis;
    private ElasticsearchClient elasticsearch;
    private Driver neo4j;
    private InfluxDBClient influx;
    private String schema;
    private final Map<String, ReadModel> readModels = new LinkedHashMap<>();

    /** A read model as the hub runs it: its projector and its probe. */
    private record ReadModel(Projector projector, ReadModelProbe probe) {
    }

    @BeforeEach
    void connect(StoreEndpoints stores) throws Exception {
        this.stores = stores;
        recovery = TestDatabase.emptyLog(stores);
        store = new PostgresEventStore(recovery, REGISTRY);
        redis = RedisConnector.connect(stores.redisUrl());
        elasticsearch = ElasticsearchConnector.connect(stores.elasticsearchUrl());
        neo4j = Neo4jConnector.connect(stores.neo4jUri(), stores.neo4jUser(), stores.neo4jPassword());
        influx = InfluxConnector.connect(stores.influxUrl(), stores.influxToken(), stores.influxOrg(),
                stores.influxBucket());
        schema = "rm_" + namespace;
        for (String name : List.of("order-stats", "account-balances")) {
            defined(new RedisDefinedReadModel(redis, namespace, ShippedDefinitions.program(name)));
        }
        defined(new ElasticsearchDefinedReadModel(elasticsearch, namespace + "-",
                ShippedDefinitions.program("order-search")));
        for (String name : List.of("order-details", "customer-directory", "account-ledger")) {
            defined(new JdbcDefinedReadModel(recovery, schema, ShippedDefinitions.program(name)));
        }
        defined(new Neo4jDefinedReadModel(neo4j, namespace, ShippedDefinitions.program("order-graph")));
        defined(new InfluxDefinedReadModel(influx, stores.influxOrg(), stores.influxBucket(), namespace + "-",
                ShippedDefinitions.program("order-lifecycle"), recovery, schema));
    }

    private final Map<String, DefinedReadModel> defined = new LinkedHashMap<>();

    private void defined(DefinedReadModel model) {
        String name = model.program().definition().name();
        defined.put(name, model);
        readModels.put(name, new ReadModel(model.projector(), model.probe()));
    }

    /** Each store's cleanup runs even if another's fails (a store may be down). */
    @AfterEach
    void cleanUp() {
        AssertionError failed = new AssertionError("cleaning up after the test failed");
        for (Step step : List.<Step>of(
                () -> defined.get("order-stats").drop(),
                () -> defined.get("account-balances").drop(),
                () -> defined.get("order-search").drop(),
                () -> defined.get("order-lifecycle").drop(),
                () -> defined.get("order-graph").drop(),
                () -> {
                    try (Connection c = recovery.getConnection(); Statement s = c.createStatement()) {
                        s.execute("drop schema if exists " + schema + " cascade");
                    }
                },
                redis::close, () -> elasticsearch._transport().close(), neo4j::close, influx::close,
                recovery::close)) {
            try {
                step.run();
            } catch (Exception e) {
                failed.addSuppressed(e);
            }
        }
        if (failed.getSuppressed().length > 0) {
            throw failed;
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    @Test
    void aLogRestoredIntoAnotherClusterIsRecoveredOnEveryStoreWithNothingLostAndNothingCountedTwice() throws Exception {
        // 1. The log of the old cluster.
        append(ada, "customer", new CustomerRegistered(ada, "Ada Lovelace", "ada@example.org", Instant.now()));
        append(bob, "customer", new CustomerRegistered(bob, "Bob Babbage", "bob@example.org", Instant.now()));
        String o1 = create(ada, "Ada Lovelace", "EUR", widget, "12.75", 2);
        String o2 = create(bob, "Bob Babbage", "USD", gadget, "10.00", 1);
        append(account, "account", new AccountCreated(account, new BigDecimal("100.00"), "EUR", Instant.now()));
        ship(o1, dhl);
        String o3 = create(ada, "Ada Lovelace", "EUR", gadget, "7.25", 1);
        cancel(o2);
        append(account, "account", new MoneyDeposited(account, new BigDecimal("50.00"), "EUR", "salary",
                new BigDecimal("150.00"), Instant.now()));
        String o4 = create(bob, "Bob Babbage", "EUR", widget, "3.00", 1);
        String o5 = create(ada, "Ada Lovelace", "EUR", gadget, "4.00", 1);
        AppendResult lastShipped = ship(o3, ups);
        AppendResult lastCancelled = cancel(o5);

        // 2. Restored into another cluster: the old cluster's ids, far ahead of this one's. Also, as two concurrent
        // appends there may leave it, the last event's transaction id is below the one before it, so the read models'
        // checkpoint (the last event in (tx, position) order) lies at a lower position than an event they applied.
        try (Connection c = recovery.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("update events set tx_id = (tx_id::text::bigint + " + RESTORE_OFFSET + ")::text::xid8");
            s.executeUpdate("update events set tx_id = (" + (lastShipped.position().txId() + RESTORE_OFFSET - 1)
                    + ")::text::xid8 where position = " + lastCancelled.position().position());
        }
        List<RecordedEvent> restored = new ArrayList<>();
        for (String stream : streams()) {
            restored.addAll(store.readStream(stream, 1));
        }
        restored.sort(Comparator.comparing(RecordedEvent::logPosition));
        LogPosition oldCheckpoint = restored.get(restored.size() - 1).logPosition();
        assertThat(oldCheckpoint).isEqualTo(new LogPosition(lastShipped.position().txId() + RESTORE_OFFSET,
                lastShipped.position().position()));
        for (ReadModel model : readModels.values()) {
            apply(model, restored, oldCheckpoint);
            assertThat(model.probe().checkpoint()).isEqualTo(oldCheckpoint);
        }

        // 3. Appends in this cluster get its low ids: no read model's checkpoint ever reaches them.
        LogResequencing resequencing = new LogResequencing(recovery);
        assertThat(resequencing.foreignTransactionIds()).hasValueSatisfying(why -> assertThat(why)
                .contains("restored into another cluster"));
        String o6 = create(bob, "Bob Babbage", "USD", widget, "12.00", 1);
        ship(o4, dhl);
        append(account, "account", new MoneyWithdrawn(account, new BigDecimal("20.00"), "EUR", "rent",
                new BigDecimal("130.00"), Instant.now()));
        append(bob, "customer", new CustomerDeactivated(bob, "moved away", Instant.now()));
        List<Long> afterRestore = positionsAfter(lastCancelled.position().position());
        assertThat(afterRestore).hasSize(4);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(positions(store.readAll(
                LogPosition.START, 1000))).as("committed and readable from the start").isEqualTo(afterRestore));
        for (ReadModel model : readModels.values()) {
            assertThat(store.readAll(model.projector().checkpoint(), 1000)).as("the bug: lost for %s",
                    model.projector().name()).isEmpty();
        }

        // 4. The recovery, as deploy/resequence-log.sh runs it (hub-server's LogResequenceRecovery).
        LogPosition resequencedCheckpoint = new LogPosition(LogResequencing.RESEQUENCED_TX_ID,
                lastShipped.position().position());
        for (ReadModel model : readModels.values()) {
            LogPosition after = resequencing.resequencedCheckpoint(model.projector().checkpoint());
            assertThat(after).as("below the cancellation it applied: that one is applied again")
                    .isEqualTo(resequencedCheckpoint);
            model.projector().overwriteCheckpoint(after);
            assertThat(model.projector().checkpoint()).isEqualTo(after);
            assertThat(model.probe().checkpoint()).isEqualTo(after);
        }
        assertThat(resequencing.resequence()).isEqualTo(restored.size() + afterRestore.size());

        // 5. Each lane reads on from its checkpoint: the cancellation again, then what was appended after the restore.
        assertThat(resequencing.foreignTransactionIds()).isEmpty();
        List<Long> expected = new ArrayList<>(List.of(lastCancelled.position().position()));
        expected.addAll(afterRestore);
        for (ReadModel model : readModels.values()) {
            List<RecordedEvent> events = store.readAll(model.projector().checkpoint(), 1000);
            assertThat(positions(events)).as(model.projector().name()).isEqualTo(expected);
            apply(model, events, events.get(events.size() - 1).logPosition());
        }
        assertEveryReadModelExact();

        // 6. Appends after the recovery are read and applied as usual.
        AppendResult next = ship(o6, ups);
        for (ReadModel model : readModels.values()) {
            LogPosition checkpoint = model.projector().checkpoint();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(positions(store.readAll(
                    checkpoint, 1000))).as(model.projector().name()).containsExactly(next.position().position()));
            List<RecordedEvent> events = store.readAll(checkpoint, 1000);
            apply(model, events, events.get(0).logPosition());
            assertThat(model.probe().checkpoint()).isEqualTo(next.position());
        }
        assertEveryReadModelExact();
        assertThat(orders).containsExactly(o1, o2, o3, o4, o5, o6);
    }

    // The log ---------------------------------------------------------------------------------------------------

    private AppendResult append(String stream, String streamType, Object event) {
        return store.append(stream, streamType, ExpectedVersion.ANY,
                List.of(REGISTRY.toNewEvent(event, EventMetadata.EMPTY)));
    }

    private String create(String customer, String name, String currency, String item, String price, int quantity) {
        String order = "order-" + UUID.randomUUID();
        orders.add(order);
        BigDecimal unit = new BigDecimal(price);
        append(order, "order", new OrderCreated(order, customer, name, currency, List.of(new OrderItem(item, unit,
                quantity)), unit.multiply(BigDecimal.valueOf(quantity)), Instant.now()));
        return order;
    }

    private AppendResult ship(String order, String carrier) {
        String number = "TRK-" + UUID.randomUUID();
        tracking.add(number);
        return append(order, "order", new OrderShipped(order, number, carrier, Instant.now(), 60_000));
    }

    private AppendResult cancel(String order) {
        return append(order, "order", new OrderCancelled(order, "changed mind", Instant.now()));
    }

    private List<String> streams() {
        List<String> streams = new ArrayList<>(List.of(ada, bob, account));
        streams.addAll(orders);
        return streams;
    }

    private List<Long> positionsAfter(long position) {
        return streams().stream().flatMap(s -> store.readStream(s, 1).stream()).map(RecordedEvent::position)
                .filter(p -> p > position).sorted().toList();
    }

    private static List<Long> positions(List<RecordedEvent> events) {
        return events.stream().map(RecordedEvent::position).toList();
    }

    /** As the lane delivers a batch: only the types the read model handles, the checkpoint past all of them. */
    private static void apply(ReadModel model, List<RecordedEvent> events, LogPosition checkpoint) throws Exception {
        model.projector().apply(new EventBatch(events.stream()
                .filter(e -> model.projector().eventTypes().contains(e.type())).toList(), checkpoint));
    }

    /** An order as the log says it is now. */
    private record Order(String customer, String status, String currency, BigDecimal total, String carrier,
                         long version) {
    }

    private Map<String, Order> ordersInTheLog() {
        Map<String, Order> byId = new LinkedHashMap<>();
        for (String id : orders) {
            Order order = null;
            for (RecordedEvent event : store.readStream(id, 1)) {
                Object data = REGISTRY.toObject(event);
                if (data instanceof OrderCreated c) {
                    order = new Order(c.customerId(), "CREATED", c.currency(), c.totalAmount(), null, event.version());
                } else if (data instanceof OrderShipped s) {
                    order = new Order(order.customer(), "SHIPPED", order.currency(), order.total(), s.carrier(),
                            event.version());
                } else if (data instanceof OrderCancelled) {
                    order = new Order(order.customer(), "CANCELLED", order.currency(), order.total(), null,
                            event.version());
                }
            }
            byId.put(id, order);
        }
        return byId;
    }

    private static <K> Map<K, Long> count(Map<String, Order> orders, Function<Order, K> key) {
        return orders.values().stream().filter(o -> key.apply(o) != null)
                .collect(Collectors.groupingBy(key, TreeMap::new, Collectors.counting()));
    }

    // The read models --------------------------------------------------------------------------------------------

    private void assertEveryReadModelExact() throws Exception {
        // Elasticsearch's probe sees what the last refresh made searchable (the hub's waits refresh first, too).
        ((ElasticsearchDefinedReadModel) defined.get("order-search")).refresh();
        for (ReadModel model : readModels.values()) {
            for (String stream : streams()) {
                boolean handled = store.readStream(stream, 1).stream()
                        .anyMatch(e -> model.projector().eventTypes().contains(e.type()));
                assertThat(model.probe().appliedVersion(stream)).as("%s: %s", model.projector().name(), stream)
                        .isEqualTo(handled ? store.streamVersion(stream) : 0);
            }
        }
        Map<String, Order> log = ordersInTheLog();
        Map<String, Long> byStatus = new TreeMap<>();
        for (OrderStatus status : OrderStatus.values()) {
            byStatus.put(status.name(), count(log, Order::status).getOrDefault(status.name(), 0L));
        }
        Map<String, Long> byCarrier = count(log, Order::carrier);
        assertRedis(log, byStatus);
        assertElasticsearch(log, byStatus, byCarrier);
        assertNeo4j(log);
        assertInflux(log, byCarrier);
        assertRelationalView(log);
    }

    private void assertRedis(Map<String, Order> log, Map<String, Long> byStatus) throws Exception {
        RedisOrderQueries queries = new RedisOrderQueries((RedisDefinedReadModel) defined.get("order-stats"));
        Map<String, BigDecimal> revenue = new TreeMap<>();
        log.values().forEach(o -> revenue.merge(o.currency(),
                o.status().equals("CANCELLED") ? BigDecimal.ZERO : o.total(), BigDecimal::add));
        revenue.replaceAll((currency, sum) -> sum.setScale(2));
        assertThat(queries.orderStats()).isEqualTo(new OrderStats(log.size(), byStatus, revenue));
        assertThat(defined.get("account-balances").document(account, 1).orElseThrow())
                .containsEntry("balance", new BigDecimal("130.00"));
    }

    private void assertElasticsearch(Map<String, Order> log, Map<String, Long> byStatus, Map<String, Long> byCarrier)
            throws Exception {
        ElasticsearchOrderQueries queries = new ElasticsearchOrderQueries(elasticsearch,
                (ElasticsearchDefinedReadModel) defined.get("order-search"));
        queries.refresh();
        OrderSearchResult all = queries.search(OrderSearchRequest.all());
        assertThat(all.total()).isEqualTo(log.size());
        assertThat(new TreeMap<>(all.aggregations().status())).isEqualTo(byStatus);
        assertThat(new TreeMap<>(all.aggregations().carrier())).isEqualTo(byCarrier);
        for (Map.Entry<String, Order> order : log.entrySet()) {
            OrderDocument document = queries.findOrder(order.getKey()).orElseThrow();
            assertThat(document.status()).isEqualTo(order.getValue().status());
            assertThat(document.carrier()).isEqualTo(order.getValue().carrier());
            assertThat(document.streamVersion()).isEqualTo(order.getValue().version());
        }
    }

    private void assertNeo4j(Map<String, Order> log) {
        Neo4jGraphQueries queries = new Neo4jGraphQueries(neo4j, (Neo4jDefinedReadModel) defined.get("order-graph"));
        for (Map.Entry<String, Order> order : log.entrySet()) {
            GraphView graph = queries.orderGraph(order.getKey()).orElseThrow();
            assertThat(graph.nodes().get(0).properties()).containsEntry("status", order.getValue().status())
                    .containsEntry("version", order.getValue().version());
            List<String> edges = graph.edges().stream().map(GraphEdge::type).sorted().toList();
            assertThat(edges).as(order.getKey()).isEqualTo(order.getValue().carrier() == null
                    ? List.of("CONTAINS", "PLACED") : List.of("CONTAINS", "PLACED", "SHIPPED_BY", "VIA"));
            if (order.getValue().carrier() != null) {
                assertThat(graph.edges()).anyMatch(e -> e.type().equals("VIA")
                        && e.to().equals("Carrier:" + order.getValue().carrier()));
            }
        }
        for (String customer : List.of(ada, bob)) {
            long placed = log.values().stream().filter(o -> o.customer().equals(customer)).count();
            assertThat(queries.customerOrdersGraph(customer).orElseThrow().edges())
                    .filteredOn(e -> e.type().equals("PLACED")).hasSize((int) placed);
        }
    }

    private void assertInflux(Map<String, Order> log, Map<String, Long> byCarrier) {
        InfluxLifecycleQueries queries = new InfluxLifecycleQueries(influx, stores.influxBucket(),
                (InfluxDefinedReadModel) defined.get("order-lifecycle"));
        // One point per event: every order's creation, and its shipping or cancellation.
        Map<String, Long> points = new TreeMap<>(count(log, Order::status));
        points.remove("CREATED");
        points.put("CREATED", (long) log.size());
        assertThat(counts(queries.orderLifecycle(Duration.ofDays(1), LifecycleGroupBy.STATUS))).isEqualTo(points);
        Map<String, Long> carriers = counts(queries.orderLifecycle(Duration.ofDays(1), LifecycleGroupBy.CARRIER));
        carriers.remove("");
        assertThat(carriers).isEqualTo(byCarrier);
    }

    private static Map<String, Long> counts(OrderLifecycleReport report) {
        return report.groups().stream().collect(Collectors.toMap(OrderLifecycleReport.Group::key,
                OrderLifecycleReport.Group::count, Long::sum, TreeMap::new));
    }

    private void assertRelationalView(Map<String, Order> log) throws Exception {
        for (Map.Entry<String, Order> order : log.entrySet()) {
            Map<String, Object> details = defined.get("order-details").document(order.getKey(), 1).orElseThrow();
            assertThat(details.get("status")).isEqualTo(order.getValue().status());
            assertThat(details.get("version")).isEqualTo(order.getValue().version());
            assertThat((List<?>) details.get("order_items")).hasSize(1);
            assertThat(details.get("carrier")).isEqualTo(order.getValue().carrier());
            String customer = order.getValue().customer();
            assertThat(defined.get("customer-directory").document(customer, 1).orElseThrow().get("active"))
                    .isEqualTo(!customer.equals(bob));
        }
        assertThat(defined.get("account-ledger").document(account, 1).orElseThrow())
                .containsEntry("balance", new BigDecimal("130.00"));
    }
}
