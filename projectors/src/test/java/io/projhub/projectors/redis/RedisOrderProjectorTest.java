package io.projhub.projectors.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.projhub.projectors.testing.EventLog;
import io.projhub.projectors.testing.Resequenced;
import io.projhub.core.domain.account.AccountCreated;
import io.projhub.core.domain.account.MoneyDeposited;
import io.projhub.core.domain.account.MoneyWithdrawn;
import io.projhub.core.domain.customer.CustomerRegistered;
import io.projhub.core.domain.order.OrderCancelled;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.domain.order.OrderItem;
import io.projhub.core.domain.order.OrderShipped;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisBusyException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

@RealStores
class RedisOrderProjectorTest {

    private static final Instant T0 = Instant.parse("2026-01-10T10:00:00Z");

    private final JedisPooled redis;
    private final URI redisUrl;
    private final String namespace = "t" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final RedisKeys keys = new RedisKeys(namespace);

    private final String customer = "customer-" + UUID.randomUUID();
    private final String orderA = "order-" + UUID.randomUUID();
    private final String orderB = "order-" + UUID.randomUUID();
    private final String orderC = "order-" + UUID.randomUUID();
    private final String orderD = "order-" + UUID.randomUUID();
    private final String account = "account-" + UUID.randomUUID();
    private final EventLog log = new EventLog();

    RedisOrderProjectorTest(StoreEndpoints stores) {
        redis = RedisConnector.connect(stores.redisUrl());
        redisUrl = URI.create(stores.redisUrl());
    }

    @AfterEach
    void deleteTheNamespace() {
        try {
            for (String key : namespaceKeys()) {
                redis.del(key);
            }
        } finally {
            redis.close();
        }
    }

    /**
     * A: EUR 25.50, shipped. B: EUR 10.00, cancelled. C: USD 7.25, open. D: JPY 1500, shipped. Account: 100.00 EUR,
     * +50.00, -20.00. The customer's registration is not for Redis and must be passed over.
     */
    private List<RecordedEvent> sampleLog() {
        log.append("customer", customer, new CustomerRegistered(customer, "Ada Lovelace", "ada@example.org", T0));
        log.append("order", orderA, new OrderCreated(orderA, customer, "Ada Lovelace", "EUR",
                List.of(new OrderItem("Book", new BigDecimal("12.50"), 2), new OrderItem("Pen", new BigDecimal("0.50"), 1)),
                new BigDecimal("25.50"), T0.plusSeconds(60)));
        log.append("order", orderB, new OrderCreated(orderB, customer, "Ada Lovelace", "EUR",
                List.of(new OrderItem("Lamp", new BigDecimal("10.00"), 1)), new BigDecimal("10.00"), T0.plusSeconds(120)));
        log.append("order", orderC, new OrderCreated(orderC, customer, "Ada Lovelace", "USD",
                List.of(new OrderItem("Mug", new BigDecimal("7.25"), 1)), new BigDecimal("7.25"), T0.plusSeconds(180)));
        log.append("order", orderA, new OrderShipped(orderA, "TRK-A", "DHL", T0.plusSeconds(300), 240_000));
        log.append("order", orderB, new OrderCancelled(orderB, "changed mind", T0.plusSeconds(310)));
        log.append("order", orderD, new OrderCreated(orderD, customer, "Ada Lovelace", "JPY",
                List.of(new OrderItem("Tea", new BigDecimal("500"), 3)), new BigDecimal("1500"), T0.plusSeconds(240)));
        log.append("order", orderD, new OrderShipped(orderD, "TRK-D", "UPS", T0.plusSeconds(400), 160_000));
        log.append("account", account, new AccountCreated(account, new BigDecimal("100.00"), "EUR", T0));
        log.append("account", account, new MoneyDeposited(account, new BigDecimal("50.00"), "EUR", "salary",
                new BigDecimal("150.00"), T0.plusSeconds(10)));
        log.append("account", account, new MoneyWithdrawn(account, new BigDecimal("20.00"), "EUR", "rent",
                new BigDecimal("130.00"), T0.plusSeconds(20)));
        return log.events();
    }

    private static final Map<String, String> EXPECTED_STATS = Map.of("total", "4", "CREATED", "1", "SHIPPED", "2",
            "CANCELLED", "1", "revenue:EUR", "2550", "revenue:USD", "725", "revenue:JPY", "1500");

    private static final OrderStats NO_ORDERS = new OrderStats(0, Map.of("CREATED", 0L, "SHIPPED", 0L, "CANCELLED", 0L),
            Map.of());

    @Test
    void aBatchOfOrdersAndAccountsGivesExactlyTheExpectedCountersOrdersAndBalances() {
        List<RecordedEvent> events = sampleLog();
        RedisOrderProjector projector = new RedisOrderProjector(redis, namespace);

        long applied = projector.applyCounting(new EventBatch(events, log.head()));

        assertThat(applied).isEqualTo(10);
        assertThat(redis.hgetAll(keys.orderStats())).isEqualTo(EXPECTED_STATS);
        assertThat(redis.zrange(keys.recentOrders(), 0, -1)).containsExactly(orderA, orderB, orderC, orderD);
        assertThat(redis.zscore(keys.recentOrders(), orderD)).isEqualTo((double) T0.plusSeconds(240).toEpochMilli());
        assertThat(redis.hgetAll(keys.order(orderA))).containsOnly(
                entry("status", "SHIPPED"), entry("customerId", customer), entry("customerName", "Ada Lovelace"),
                entry("currency", "EUR"), entry("total", "25.50"), entry("totalMinor", "2550"),
                entry("createdAt", Long.toString(T0.plusSeconds(60).toEpochMilli())),
                entry("shippedAt", Long.toString(T0.plusSeconds(300).toEpochMilli())),
                entry("carrier", "DHL"), entry("trackingNumber", "TRK-A"), entry("version", "2"));
        assertThat(redis.hgetAll(keys.order(orderB))).contains(entry("status", "CANCELLED"),
                entry("cancelReason", "changed mind"), entry("version", "2"));
        assertThat(redis.hgetAll(keys.account(account))).containsOnly(entry("balance", "130.00"),
                entry("currency", "EUR"), entry("version", "3"),
                entry("updatedAt", Long.toString(T0.plusSeconds(20).toEpochMilli())));
        // stats, recent, checkpoint, 4 orders, 1 account, 5 applied versions; nothing for the customer
        assertThat(namespaceKeys()).hasSize(13).doesNotContain(keys.applied(customer));
    }

    @Test
    void applyingTheSameBatchTwiceLeavesRedisExactlyAsAfterOnce() {
        EventBatch batch = new EventBatch(sampleLog(), log.head());
        RedisOrderProjector projector = new RedisOrderProjector(redis, namespace);
        projector.apply(batch);
        Map<String, Object> once = snapshot();

        long appliedAgain = projector.applyCounting(batch);

        assertThat(appliedAgain).isZero();
        assertThat(snapshot()).isEqualTo(once);
        assertThat(redis.hgetAll(keys.orderStats())).isEqualTo(EXPECTED_STATS);
    }

    @Test
    void replayingTheWholeLogTwiceLeavesRedisTotalsExact() {
        List<RecordedEvent> events = sampleLog();
        RedisOrderProjector first = new RedisOrderProjector(redis, namespace);
        for (int from = 0; from < events.size(); from += 3) {
            List<RecordedEvent> slice = events.subList(from, Math.min(from + 3, events.size()));
            first.apply(new EventBatch(slice, slice.get(slice.size() - 1).logPosition()));
        }
        Map<String, Object> onePass = snapshot();

        RedisOrderProjector restarted = new RedisOrderProjector(redis, namespace);
        assertThat(restarted.checkpoint()).isEqualTo(log.head());
        restarted.apply(new EventBatch(events, log.head(), false));
        assertThat(snapshot()).isEqualTo(onePass);
        restarted.apply(new EventBatch(events, log.head(), true));

        assertThat(snapshot()).isEqualTo(onePass);
        assertThat(redis.hgetAll(keys.orderStats())).isEqualTo(EXPECTED_STATS);
        assertThat(restarted.checkpoint()).isEqualTo(log.head());
    }

    @Test
    void anOlderEventDoesNotOverwriteNewerData() {
        List<RecordedEvent> events = sampleLog();
        RedisOrderProjector projector = new RedisOrderProjector(redis, namespace);
        projector.apply(new EventBatch(events, log.head()));
        RecordedEvent createdA = events.get(1);
        RecordedEvent openedAccount = events.get(8);
        assertThat(createdA.type()).isEqualTo("OrderCreated");
        assertThat(openedAccount.type()).isEqualTo("AccountCreated");

        long applied = projector.applyCounting(new EventBatch(List.of(createdA, openedAccount), log.head(), true));

        assertThat(applied).isZero();
        assertThat(redis.hget(keys.order(orderA), "status")).isEqualTo("SHIPPED");
        assertThat(redis.hgetAll(keys.orderStats())).isEqualTo(EXPECTED_STATS);
        assertThat(redis.hget(keys.account(account), "balance")).isEqualTo("130.00");
    }

    @Test
    void aRedeliveredEventNotYetAppliedIsAppliedBelowTheCheckpointWhichStaysPut() {
        List<RecordedEvent> events = sampleLog();
        List<RecordedEvent> withoutCancellation = new ArrayList<>(events);
        RecordedEvent cancelledB = withoutCancellation.remove(5);
        assertThat(cancelledB.type()).isEqualTo("OrderCancelled");
        RedisOrderProjector projector = new RedisOrderProjector(redis, namespace);
        projector.apply(new EventBatch(withoutCancellation, log.head()));
        assertThat(redis.hget(keys.orderStats(), "revenue:EUR")).isEqualTo("3550");

        projector.apply(new EventBatch(List.of(cancelledB), log.head(), true));

        assertThat(redis.hgetAll(keys.orderStats())).isEqualTo(EXPECTED_STATS);
        assertThat(projector.checkpoint()).isEqualTo(log.head());
    }

    @Test
    void theCheckpointIsStartWhenEmptyThenTheBatchesForANewInstanceAndNeverMovesBack() {
        RedisOrderProjector projector = new RedisOrderProjector(redis, namespace);
        assertThat(projector.checkpoint()).isEqualTo(LogPosition.START);
        assertThat(new RedisProbe(redis, namespace).checkpoint()).isEqualTo(LogPosition.START);

        projector.apply(new EventBatch(sampleLog(), log.head()));
        assertThat(new RedisOrderProjector(redis, namespace).checkpoint()).isEqualTo(log.head());
        assertThat(new RedisProbe(redis, namespace).checkpoint()).isEqualTo(log.head());

        // ordered by txId first, and numerically (9 < 10), never as text
        projector.apply(new EventBatch(List.of(), new LogPosition(9, 500_000)));
        assertThat(projector.checkpoint()).isEqualTo(new LogPosition(1006, 11));
        projector.apply(new EventBatch(List.of(), new LogPosition(10_000, 3)));
        projector.apply(new EventBatch(List.of(), new LogPosition(9_999, 999_999), true));
        projector.apply(new EventBatch(List.of(), new LogPosition(10_000, 2), true));
        assertThat(new RedisProbe(redis, namespace).checkpoint()).isEqualTo(new LogPosition(10_000, 3));
        projector.apply(new EventBatch(List.of(), new LogPosition(10_000, 12)));
        assertThat(new RedisProbe(redis, namespace).checkpoint()).isEqualTo(new LogPosition(10_000, 12));
    }

    @Test
    void anOverwrittenCheckpointMovesBackAndTheEventsAfterItApplyAgainWithoutCountingTwice() {
        List<RecordedEvent> events = sampleLog();
        RedisOrderProjector projector = new RedisOrderProjector(redis, namespace);
        projector.apply(new EventBatch(events, log.head()));
        Map<String, Object> once = withoutCheckpoint(snapshot());
        RedisProbe probe = new RedisProbe(redis, namespace);

        LogPosition lower = events.get(3).logPosition();
        projector.overwriteCheckpoint(lower);
        assertThat(projector.checkpoint()).isEqualTo(lower);
        assertThat(probe.checkpoint()).isEqualTo(lower);
        assertThat(withoutCheckpoint(snapshot())).as("the data stays as it is").isEqualTo(once);

        assertThat(projector.applyCounting(new EventBatch(events.subList(4, events.size()), log.head()))).isZero();
        assertThat(withoutCheckpoint(snapshot())).isEqualTo(once);
        assertThat(probe.checkpoint()).isEqualTo(log.head());

        // As after the log's re-sequencing: every event at the same low tx id, below the checkpoint the store holds.
        List<RecordedEvent> resequenced = Resequenced.events(events);
        projector.overwriteCheckpoint(Resequenced.position(events.get(3)));
        assertThat(probe.checkpoint()).isEqualTo(Resequenced.position(events.get(3)));
        projector.apply(new EventBatch(resequenced.subList(4, events.size()), Resequenced.position(events.get(10))));
        assertThat(withoutCheckpoint(snapshot())).isEqualTo(once);
        assertThat(redis.hgetAll(keys.orderStats())).isEqualTo(EXPECTED_STATS);
        assertThat(probe.checkpoint()).isEqualTo(Resequenced.position(events.get(10)));

        projector.overwriteCheckpoint(LogPosition.START);
        assertThat(projector.checkpoint()).isEqualTo(LogPosition.START);
        assertThat(probe.checkpoint()).isEqualTo(LogPosition.START);
        RecordedEvent next = log.append("order", orderC, new OrderCancelled(orderC, "late", T0.plusSeconds(900)));
        projector.apply(new EventBatch(List.of(Resequenced.events(List.of(next)).get(0)), Resequenced.position(next)));
        assertThat(probe.checkpoint()).isEqualTo(Resequenced.position(next));
        assertThat(redis.hgetAll(keys.orderStats())).containsEntry("CREATED", "0").containsEntry("CANCELLED", "2")
                .containsEntry("revenue:USD", "0").containsEntry("total", "4");
        assertThat(probe.appliedVersion(orderC)).isEqualTo(2);
    }

    private Map<String, Object> withoutCheckpoint(Map<String, Object> snapshot) {
        Map<String, Object> data = new TreeMap<>(snapshot);
        assertThat(data.remove(keys.checkpoint(RedisOrderProjector.NAME))).isNotNull();
        return data;
    }

    @Test
    void theProbeReturnsTheAppliedVersionOfEachStream() {
        List<RecordedEvent> events = sampleLog();
        new RedisOrderProjector(redis, namespace).apply(new EventBatch(events.subList(0, 4), events.get(3).logPosition()));
        RedisProbe probe = new RedisProbe(redis, namespace);
        assertThat(probe.appliedVersion(orderA)).isEqualTo(1);

        new RedisOrderProjector(redis, namespace).apply(new EventBatch(events, log.head()));

        assertThat(probe.name()).isEqualTo("redis");
        assertThat(probe.appliedVersion(orderA)).isEqualTo(2);
        assertThat(probe.appliedVersion(orderC)).isEqualTo(1);
        assertThat(probe.appliedVersion(account)).isEqualTo(3);
        assertThat(probe.appliedVersion(customer)).isZero();
        assertThat(probe.appliedVersion("order-" + UUID.randomUUID())).isZero();
    }

    @Test
    void theQueriesReturnWhatTheEventsImply() {
        new RedisOrderProjector(redis, namespace).apply(new EventBatch(sampleLog(), log.head()));
        RedisOrderQueries queries = new RedisOrderQueries(redis, namespace);

        OrderStats stats = queries.orderStats();
        assertThat(stats.total()).isEqualTo(4);
        assertThat(stats.byStatus()).containsExactly(entry("CREATED", 1L), entry("SHIPPED", 2L), entry("CANCELLED", 1L));
        assertThat(stats.revenue()).containsExactly(entry("EUR", new BigDecimal("25.50")), entry("JPY", new BigDecimal("1500")),
                entry("USD", new BigDecimal("7.25")));

        assertThat(queries.recentOrders(2)).containsExactly(
                new RecentOrder(orderD, "SHIPPED", customer, "Ada Lovelace", new BigDecimal("1500"), "JPY", T0.plusSeconds(240)),
                new RecentOrder(orderC, "CREATED", customer, "Ada Lovelace", new BigDecimal("7.25"), "USD", T0.plusSeconds(180)));
        assertThat(queries.recentOrders(100)).extracting(RecentOrder::orderId).containsExactly(orderD, orderC, orderB, orderA);
        assertThat(queries.recentOrders(100)).extracting(RecentOrder::status)
                .containsExactly("SHIPPED", "CREATED", "CANCELLED", "SHIPPED");
        assertThatThrownBy(() -> queries.recentOrders(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> queries.recentOrders(101)).isInstanceOf(IllegalArgumentException.class);

        assertThat(queries.accountBalance(account)).contains(
                new AccountBalance(account, new BigDecimal("130.00"), "EUR", 3, T0.plusSeconds(20)));
        assertThat(queries.accountBalance("account-" + UUID.randomUUID())).isEmpty();
    }

    @Test
    void anEmptyReadModelAnswersZeroesAndNothing() {
        RedisOrderQueries queries = new RedisOrderQueries(redis, namespace);

        assertThat(queries.orderStats()).isEqualTo(new OrderStats(0,
                Map.of("CREATED", 0L, "SHIPPED", 0L, "CANCELLED", 0L), Map.of()));
        assertThat(queries.recentOrders(10)).isEmpty();
    }

    @Test
    void recentOrdersKeepsOnlyTheConfiguredNumberOfNewestOrders() {
        new RedisOrderProjector(redis, namespace, 2).apply(new EventBatch(sampleLog(), log.head()));

        assertThat(redis.zcard(keys.recentOrders())).isEqualTo(2);
        assertThat(new RedisOrderQueries(redis, namespace).recentOrders(10)).extracting(RecentOrder::orderId)
                .containsExactly(orderD, orderC);
        // the counters still cover every order
        assertThat(redis.hgetAll(keys.orderStats())).isEqualTo(EXPECTED_STATS);
    }

    @Test
    void aFlushedScriptCacheIsLoadedAgainTransparently() {
        List<RecordedEvent> events = sampleLog();
        RedisOrderProjector projector = new RedisOrderProjector(redis, namespace);
        projector.apply(new EventBatch(events.subList(0, 5), events.get(4).logPosition()));

        redis.scriptFlush();
        projector.apply(new EventBatch(events.subList(5, events.size()), log.head()));

        assertThat(redis.hgetAll(keys.orderStats())).isEqualTo(EXPECTED_STATS);
    }

    @Test
    void badEventDataIsAPermanentFailureAndWritesNothing() {
        String order = "order-" + UUID.randomUUID();
        RecordedEvent bad = log.append("order", order, new OrderCreated(order, customer, "Ada", "EUR",
                List.of(new OrderItem("Book", new BigDecimal("1.005"), 1)), new BigDecimal("1.005"), T0));
        RedisOrderProjector projector = new RedisOrderProjector(redis, namespace);

        Throwable failure = catchFailure(() -> projector.apply(new EventBatch(List.of(bad), bad.logPosition())));

        assertThat(projector.classify(failure)).isEqualTo(FailureKind.PERMANENT);
        assertThat(namespaceKeys()).isEmpty();
    }

    @Test
    void aSkippedOrderCreatedOnlyRaisesTheAppliedVersionAndSoDoTheOrdersLaterEvents() {
        String order = "order-" + UUID.randomUUID();
        RecordedEvent created = log.append("order", order, new OrderCreated(order, customer, "Ada Lovelace", "EUR",
                List.of(new OrderItem("Book", new BigDecimal("12.50"), 1)), new BigDecimal("12.50"), T0));
        RecordedEvent shipped = log.append("order", order, new OrderShipped(order, "TRK-S", "DHL", T0.plusSeconds(60), 60_000));
        RedisOrderProjector projector = new RedisOrderProjector(redis, namespace);
        RedisProbe probe = new RedisProbe(redis, namespace);
        RedisOrderQueries queries = new RedisOrderQueries(redis, namespace);

        projector.recordSkipped(order, 1);

        assertThat(probe.appliedVersion(order)).isEqualTo(1);
        assertThat(queries.orderStats()).isEqualTo(NO_ORDERS);
        assertThat(queries.recentOrders(10)).isEmpty();
        assertThat(namespaceKeys()).containsExactly(keys.applied(order));

        // The chain parked behind the skipped event is released as a redelivery.
        projector.apply(new EventBatch(List.of(shipped), log.head(), true));

        assertThat(probe.appliedVersion(order)).isEqualTo(2);
        assertThat(queries.orderStats()).as("the shipment of an order never created moves no counter")
                .isEqualTo(NO_ORDERS);
        assertThat(redis.exists(keys.order(order))).isFalse();

        projector.recordSkipped(order, 1);
        assertThat(probe.appliedVersion(order)).as("a lower skipped version never lowers it").isEqualTo(2);
        projector.apply(new EventBatch(List.of(created, shipped), log.head(), true));
        assertThat(queries.orderStats()).as("the skipped event delivered again is not applied").isEqualTo(NO_ORDERS);
        assertThat(probe.appliedVersion(order)).isEqualTo(2);
    }

    @Test
    void aSkippedStatusChangeCountsAsAppliedAndTheNextVersionAppliesNormally() {
        List<RecordedEvent> events = sampleLog();
        RecordedEvent shippedA = events.get(4);
        assertThat(shippedA.type()).isEqualTo("OrderShipped");
        RedisOrderProjector projector = new RedisOrderProjector(redis, namespace);
        projector.apply(new EventBatch(events.subList(0, 4), events.get(3).logPosition()));

        projector.recordSkipped(orderA, 2);
        projector.apply(new EventBatch(List.of(shippedA), events.get(3).logPosition(), true));
        assertThat(redis.hget(keys.order(orderA), "status")).as("the skipped shipment is not applied").isEqualTo("CREATED");

        RecordedEvent cancelledA = log.append("order", orderA, new OrderCancelled(orderA, "lost", T0.plusSeconds(500)));
        projector.apply(new EventBatch(List.of(cancelledA), cancelledA.logPosition()));

        assertThat(new RedisProbe(redis, namespace).appliedVersion(orderA)).isEqualTo(3);
        assertThat(redis.hget(keys.order(orderA), "status")).isEqualTo("CANCELLED");
        assertThat(redis.hget(keys.orderStats(), "CANCELLED")).isEqualTo("1");
    }

    @Test
    void aResetForgetsTheSkippedVersions() {
        String order = "order-" + UUID.randomUUID();
        RedisOrderProjector projector = new RedisOrderProjector(redis, namespace);
        projector.recordSkipped(order, 4);

        projector.reset();

        assertThat(new RedisProbe(redis, namespace).appliedVersion(order)).isZero();
    }

    // Classification. Real server errors: NOREPLICAS (min-replicas-to-write), BUSY (a script looping past
    // busy-reply-threshold), connection refused. Built as Jedis builds them from the server's error reply: MISCONF and
    // LOADING, which this shared server cannot be brought into without harm.

    @Test
    void aWriteRefusedForLackOfReplicasIsTransient() {
        List<RecordedEvent> events = sampleLog();
        RedisOrderProjector projector = new RedisOrderProjector(redis, namespace);
        Throwable failure;
        try (Jedis admin = new Jedis(redisUrl)) {
            String before = admin.configGet("min-replicas-to-write").get("min-replicas-to-write");
            try {
                admin.configSet("min-replicas-to-write", "1"); // no replica here: every write is refused
                failure = catchFailure(() -> projector.apply(new EventBatch(events, log.head())));
            } finally {
                admin.configSet("min-replicas-to-write", before);
            }
        }

        assertThat(failure).isInstanceOf(JedisDataException.class).hasMessageStartingWith("NOREPLICAS");
        assertThat(projector.classify(failure)).isEqualTo(FailureKind.TRANSIENT);
        assertThat(namespaceKeys()).isEmpty();
        projector.apply(new EventBatch(events, log.head()));
        assertThat(redis.hgetAll(keys.orderStats())).isEqualTo(EXPECTED_STATS);
    }

    @Test
    void aServerBusyRunningAScriptIsTransient() {
        List<RecordedEvent> events = sampleLog();
        RedisOrderProjector projector = new RedisOrderProjector(redis, namespace);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Jedis admin = new Jedis(redisUrl); Jedis looper = new Jedis(redisUrl, 60_000)) {
            String before = admin.configGet("lua-time-limit").values().iterator().next();
            admin.configSet("lua-time-limit", "10");
            CompletableFuture<Object> loop = CompletableFuture.supplyAsync(() -> looper.eval("while true do end"));
            try {
                // Before the script runs, or before it has run 10 ms, the batch is applied or waits; then BUSY.
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    failure.set(catchFailureOrNull(() -> projector.apply(new EventBatch(events, log.head()))));
                    return failure.get() != null;
                });
            } finally {
                killTheScript(admin, loop);
                admin.configSet("lua-time-limit", before);
            }
        }

        assertThat(failure.get()).isInstanceOf(JedisBusyException.class).hasMessageStartingWith("BUSY");
        assertThat(projector.classify(failure.get())).isEqualTo(FailureKind.TRANSIENT);
    }

    /**
     * SCRIPT KILL until it kills the looping script (which may not have started yet), then waits for the loop to end.
     * Once it has killed, it is not sent again: it would kill whatever script another client runs next.
     */
    private static void killTheScript(Jedis admin, CompletableFuture<Object> loop) {
        AtomicBoolean killed = new AtomicBoolean();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            if (!killed.get() && !loop.isDone()) {
                try {
                    admin.scriptKill();
                    killed.set(true);
                } catch (JedisDataException notRunningYet) {
                    // NOTBUSY: the loop has not started; ask again
                }
            }
            return loop.isDone();
        });
    }

    @Test
    void aServerThatCannotPersistOrIsLoadingIsTransientAndBadDataPermanent() {
        RedisOrderProjector projector = new RedisOrderProjector(redis, namespace);

        assertThat(projector.classify(new JedisDataException("MISCONF Redis is configured to save RDB snapshots, "
                + "but it's currently unable to persist to disk. Commands that may modify the data set are disabled, "
                + "because this instance is configured to report errors during writes if RDB snapshotting fails "
                + "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.")))
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(projector.classify(new JedisDataException("LOADING Redis is loading the dataset in memory")))
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(projector.classify(new RuntimeException(new JedisDataException(
                "NOREPLICAS Not enough good replicas to write.")))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(projector.classify(new JedisDataException("ERR user_script:1: Script attempted to access "
                + "nonexistent global variable 'x' script: 0123, on @user_script:1."))).isEqualTo(FailureKind.PERMANENT);
    }

    @Test
    void anUnreachableRedisIsATransientFailure() {
        try (JedisPooled nowhere = RedisConnector.connect("redis://127.0.0.1:1")) {
            RedisOrderProjector projector = new RedisOrderProjector(nowhere, namespace);

            Throwable failure = catchFailure(() -> projector.apply(new EventBatch(sampleLog(), log.head())));

            assertThat(projector.classify(failure)).isEqualTo(FailureKind.TRANSIENT);
        }
    }

    @Test
    void aNamespaceThatCouldBreakTheHashTagIsRefused() {
        assertThatThrownBy(() -> new RedisKeys("a}b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RedisKeys("a*")).isInstanceOf(IllegalArgumentException.class);
        assertThat(new RedisKeys("").orderStats()).isEqualTo("{projhub}:stats:orders");
    }

    private static Throwable catchFailureOrNull(Runnable action) {
        try {
            action.run();
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private static Throwable catchFailure(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }

    private List<String> namespaceKeys() {
        List<String> found = new ArrayList<>();
        ScanParams params = new ScanParams().match(keys.pattern()).count(500);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, params);
            found.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return found;
    }

    /** Every key of the namespace with its whole value, comparable with equals. */
    private Map<String, Object> snapshot() {
        Map<String, Object> all = new TreeMap<>();
        for (String key : namespaceKeys()) {
            Object value = switch (redis.type(key)) {
                case "hash" -> new TreeMap<>(redis.hgetAll(key));
                case "zset" -> redis.zrangeWithScores(key, 0, -1).stream()
                        .map(t -> t.getElement() + "=" + t.getScore()).collect(Collectors.toList());
                case "string" -> redis.get(key);
                default -> throw new AssertionError("unexpected type of " + key);
            };
            all.put(key, value);
        }
        return all;
    }
}
