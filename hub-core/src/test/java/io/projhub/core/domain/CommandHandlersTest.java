package io.projhub.core.domain;

import static io.projhub.core.testing.TestDatabase.queryLong;
import static io.projhub.core.testing.TestDatabase.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.projhub.core.domain.account.Account;
import io.projhub.core.domain.account.AccountCommands;
import io.projhub.core.domain.account.DepositMoney;
import io.projhub.core.domain.account.OpenAccount;
import io.projhub.core.domain.account.WithdrawMoney;
import io.projhub.core.domain.customer.CustomerCommands;
import io.projhub.core.domain.customer.DeactivateCustomer;
import io.projhub.core.domain.customer.RegisterCustomer;
import io.projhub.core.domain.order.CancelOrder;
import io.projhub.core.domain.order.CreateOrder;
import io.projhub.core.domain.order.Order;
import io.projhub.core.domain.order.OrderCommands;
import io.projhub.core.domain.order.OrderStatus;
import io.projhub.core.domain.order.ShipOrder;
import io.projhub.core.error.BusinessRuleViolation;
import io.projhub.core.error.ConcurrencyConflictException;
import io.projhub.core.error.IdempotencyKeyReusedException;
import io.projhub.core.error.StreamNotFoundException;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.eventstore.postgres.PostgresEventStore;
import io.projhub.core.testing.CountingEventStore;
import io.projhub.core.testing.CountingEventStore.StreamRead;
import io.projhub.core.testing.TestDatabase;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

@RealStores
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommandHandlersTest {

    private static final CommandSettings NO_SNAPSHOTS = new CommandSettings(3, 0);

    private DataSource dataSource;
    private EventTypeRegistry registry;
    private EventStore store;
    private CustomerCommands customers;
    private OrderCommands orders;
    private AccountCommands accounts;
    private final ExecutorService threads = Executors.newFixedThreadPool(8);

    @BeforeAll
    void wire(StoreEndpoints stores) {
        dataSource = TestDatabase.migrated(stores);
        registry = DomainEventTypes.registry();
        store = new PostgresEventStore(dataSource, registry);
        customers = new CustomerCommands(store, registry, CommandSettings.DEFAULTS, Clock.systemUTC());
        orders = new OrderCommands(store, registry, CommandSettings.DEFAULTS, Clock.systemUTC());
        accounts = new AccountCommands(store, registry, CommandSettings.DEFAULTS, Clock.systemUTC());
    }

    @AfterAll
    void stopThreads() {
        threads.shutdownNow();
    }

    private static CreateOrder order(String customerId, CreateOrder.Item... items) {
        return new CreateOrder(null, customerId, "EUR", List.of(items));
    }

    private static CreateOrder.Item item(String name, String price, int quantity) {
        return new CreateOrder.Item(name, new BigDecimal(price), quantity);
    }

    private String activeCustomer() {
        return customers.register(new RegisterCustomer(null, "Ada Lovelace", "ada@example.org"),
                CommandContext.none()).streamId();
    }

    private long eventsWithKey(String key) {
        return queryLong(dataSource, "select count(*) from events where metadata ->> 'idempotencyKey' = ?", key);
    }

    // ------------------------------------------------------------------ end to end

    @Test
    void anOrderIsPlacedShippedAndThenCannotBeCancelled() {
        String customerId = activeCustomer();
        CommandContext context = new CommandContext("corr-" + customerId, "cause-1", null);

        AppendResult created = orders.create(order(customerId, item("book", "12.50", 2), item("pen", "2", 1)), context);
        AppendResult shipped = orders.ship(new ShipOrder(created.streamId(), "TRACK-1", "DHL"), context);

        assertThat(created.streamId()).startsWith("order-");
        assertThat(created.newVersion()).isEqualTo(1);
        assertThat(shipped.newVersion()).isEqualTo(2);
        assertThat(shipped.position()).isGreaterThan(created.position());
        Order order = orders.current(created.streamId()).state();
        assertThat(order.status()).isEqualTo(OrderStatus.SHIPPED);
        assertThat(order.customerName()).isEqualTo("Ada Lovelace");
        assertThat(order.totalAmount().toPlainString()).isEqualTo("27.00");
        List<RecordedEvent> events = store.readStream(created.streamId(), 1);
        assertThat(events).extracting(RecordedEvent::type).containsExactly("OrderCreated", "OrderShipped");
        assertThat(events.get(0).streamType()).isEqualTo("order");
        assertThat(events.get(0).metadata().correlationId()).isEqualTo("corr-" + customerId);
        assertThat(events.get(0).metadata().causationId()).isEqualTo("cause-1");
        assertThat(events.get(1).data().get("processingTimeMs").isNumber()).isTrue();

        assertThatThrownBy(() -> orders.cancel(new CancelOrder(created.streamId(), "too late"), CommandContext.none()))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("order-already-shipped"));
        assertThat(store.streamVersion(created.streamId())).isEqualTo(2);
    }

    @Test
    void aRetriedCreateIsAnsweredWithItsFirstAnswerEvenIfWhatItReadHasChangedSince() {
        String customerId = activeCustomer();
        String orderId = uniqueId("order");
        CreateOrder command = new CreateOrder(orderId, customerId, "EUR", List.of(item("book", "1", 1)));
        String key = uniqueId("key");
        AppendResult first = orders.create(command, CommandContext.withIdempotencyKey(key));
        customers.deactivate(new DeactivateCustomer(customerId, "moved away"), CommandContext.none());

        assertThat(orders.create(command, CommandContext.withIdempotencyKey(key))).isEqualTo(first);
        assertThat(store.streamVersion(orderId)).isEqualTo(1);
        assertThatThrownBy(() -> orders.create(command, CommandContext.withIdempotencyKey(uniqueId("key"))))
                .as("a new key is a new command: the customer is inactive now")
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("customer-inactive"));
    }

    @Test
    void anInactiveOrUnknownCustomerCannotOrderAndNothingIsAppended() {
        String customerId = activeCustomer();
        customers.deactivate(new DeactivateCustomer(customerId, "moved away"), CommandContext.none());
        String orderId = uniqueId("order");

        assertThatThrownBy(() -> orders.create(new CreateOrder(orderId, customerId, "EUR",
                List.of(item("book", "1", 1))), CommandContext.none()))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("customer-inactive"));
        assertThatThrownBy(() -> orders.create(new CreateOrder(orderId, uniqueId("customer"), "EUR",
                List.of(item("book", "1", 1))), CommandContext.none()))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("customer-not-found"));
        assertThat(store.streamVersion(orderId)).isZero();
    }

    @Test
    void aCommandOnAMissingAggregateIsNotFoundAndACreateOnATakenIdIsAConflict() {
        assertThatThrownBy(() -> accounts.deposit(new DepositMoney(uniqueId("account"), BigDecimal.ONE, "cash"),
                CommandContext.none())).isInstanceOf(StreamNotFoundException.class);
        String accountId = accounts.open(new OpenAccount(null, "EUR", BigDecimal.TEN), CommandContext.none()).streamId();
        assertThatThrownBy(() -> accounts.open(new OpenAccount(accountId, "EUR", BigDecimal.TEN), CommandContext.none()))
                .isInstanceOf(ConcurrencyConflictException.class);
        assertThatThrownBy(() -> orders.ship(new ShipOrder(accountId, "T", "C"), CommandContext.none()))
                .as("an account is not an order").isInstanceOf(StreamNotFoundException.class);
        assertThat(store.streamVersion(accountId)).isEqualTo(1);
    }

    // ------------------------------------------------------------------ snapshots

    @Test
    void aSnapshotGivesTheSameStateAsAFullReplayAndLoadingReadsOnlyTheLaterEvents() {
        CountingEventStore counting = new CountingEventStore(store);
        CommandSettings everyFive = new CommandSettings(3, 5);
        AccountCommands snapshotting = new AccountCommands(counting, registry, everyFive, Clock.systemUTC());
        AccountCommands replaying = new AccountCommands(store, registry, NO_SNAPSHOTS, Clock.systemUTC());
        String id = snapshotting.open(new OpenAccount(null, "EUR", new BigDecimal("100.00")), CommandContext.none())
                .streamId();
        for (int i = 1; i <= 12; i++) {
            if (i % 3 == 0) {
                snapshotting.withdraw(new WithdrawMoney(id, new BigDecimal("7.25"), "fee " + i), CommandContext.none());
            } else {
                snapshotting.deposit(new DepositMoney(id, new BigDecimal(i + ".10"), "salary " + i),
                        CommandContext.none());
            }
        }
        assertThat(store.loadLatestSnapshot(id, Account.KIND.snapshotType()).orElseThrow().version()).isEqualTo(10);

        counting.forget();
        VersionedState<Account> fromSnapshot = snapshotting.current(id);
        VersionedState<Account> fromReplay = replaying.current(id);

        assertThat(fromSnapshot).isEqualTo(fromReplay);
        assertThat(fromSnapshot.version()).isEqualTo(13);
        assertThat(counting.reads()).containsExactly(new StreamRead(id, List.of(11L, 12L, 13L)));

        counting.forget();
        assertThat(snapshotting.stateAt(id, 7)).isEqualTo(replaying.stateAt(id, 7));
        assertThat(counting.reads()).as("time travel starts from the snapshot at 5")
                .containsExactly(new StreamRead(id, List.of(6L, 7L)));
    }

    // ------------------------------------------------------------------ time travel

    @Test
    void timeTravelReturnsTheAccountAtAVersionAndAtAnInstant() {
        String id = accounts.open(new OpenAccount(null, "JPY", new BigDecimal("1000")), CommandContext.none())
                .streamId();
        accounts.deposit(new DepositMoney(id, new BigDecimal("500"), "gift"), CommandContext.none());
        accounts.withdraw(new WithdrawMoney(id, new BigDecimal("300"), "lunch"), CommandContext.none());
        List<RecordedEvent> history = store.readStream(id, 1);

        assertThat(accounts.stateAt(id, 1).state().balance().toPlainString()).isEqualTo("1000");
        assertThat(accounts.stateAt(id, 2).state().balance().toPlainString()).isEqualTo("1500");
        assertThat(accounts.current(id).state().balance().toPlainString()).isEqualTo("1200");

        VersionedState<Account> atSecond = accounts.stateAt(id, history.get(1).recordedAt());
        assertThat(atSecond.version()).isEqualTo(2);
        assertThat(atSecond.state().balance().toPlainString()).isEqualTo("1500");
        assertThatThrownBy(() -> accounts.stateAt(id, history.get(0).recordedAt().minusNanos(1000)))
                .isInstanceOf(StreamNotFoundException.class);
        assertThatThrownBy(() -> accounts.stateAt(id, 4)).isInstanceOf(StreamNotFoundException.class);
    }

    @Test
    void timeTravelReturnsTheOrderBeforeItShipped() {
        String id = orders.create(order(activeCustomer(), item("lamp", "30", 1)), CommandContext.none()).streamId();
        orders.ship(new ShipOrder(id, "TRACK-9", "UPS"), CommandContext.none());
        RecordedEvent created = store.readStream(id, 1).get(0);

        assertThat(orders.stateAt(id, 1).state().status()).isEqualTo(OrderStatus.CREATED);
        assertThat(orders.stateAt(id, created.recordedAt()).state().status()).isEqualTo(OrderStatus.CREATED);
        assertThat(orders.stateAt(id, 2).state().status()).isEqualTo(OrderStatus.SHIPPED);
    }

    // ------------------------------------------------------------------ upcasting

    @Test
    void anOrderStoredAtSchemaVersionOneLoadsAsCurrentAndShips() throws Exception {
        String id = uniqueId("order");
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("""
                     insert into events (stream_id, stream_type, version, event_type, schema_version, data)
                     values (?, 'order', 1, 'OrderCreated', 1, ?::jsonb)""")) {
            ps.setString(1, id);
            ps.setString(2, """
                    {"orderId": "%s", "customerId": "customer-legacy", "customerName": "Legacy Ltd",
                     "items": [{"name": "widget", "price": 2.5, "quantity": 4}],
                     "createdAt": "2020-01-01T00:00:00Z"}""".formatted(id));
            ps.executeUpdate();
        }

        Order legacy = orders.current(id).state();
        AppendResult shipped = orders.ship(new ShipOrder(id, "TRACK-OLD", "Post"), CommandContext.none());

        assertThat(legacy.currency().getCurrencyCode()).isEqualTo("USD");
        assertThat(legacy.totalAmount().toPlainString()).isEqualTo("10.00");
        assertThat(legacy.items().get(0).price().toPlainString()).isEqualTo("2.50");
        assertThat(shipped.newVersion()).isEqualTo(2);
    }

    // ------------------------------------------------------------------ concurrency and idempotency

    @Test
    void eightConcurrentRetriesOfAnOpenWithOneIdempotencyKeyOpenOneAccount() throws Exception {
        String key = uniqueId("key");
        OpenAccount command = new OpenAccount(null, "EUR", new BigDecimal("50.00"));

        Set<AppendResult> results = race(8, () -> accounts.open(command, CommandContext.withIdempotencyKey(key)));

        assertThat(results).hasSize(1);
        assertThat(eventsWithKey(key)).isEqualTo(1);
        assertThat(accounts.open(command, CommandContext.withIdempotencyKey(key))).isEqualTo(results.iterator().next());
        assertThatThrownBy(() -> accounts.open(new OpenAccount(null, "EUR", new BigDecimal("51.00")),
                CommandContext.withIdempotencyKey(key))).isInstanceOf(IdempotencyKeyReusedException.class);
        assertThat(eventsWithKey(key)).isEqualTo(1);
    }

    @Test
    void concurrentRetriesOfAWithdrawalOfTheWholeBalanceWithdrawOnceAndNoneIsRefused() throws Exception {
        String id = accounts.open(new OpenAccount(null, "EUR", new BigDecimal("80.00")), CommandContext.none())
                .streamId();
        String key = uniqueId("key");
        WithdrawMoney everything = new WithdrawMoney(id, new BigDecimal("80.00"), "closing");

        Set<AppendResult> results = race(8, () -> accounts.withdraw(everything, CommandContext.withIdempotencyKey(key)));

        assertThat(results).hasSize(1);
        assertThat(results.iterator().next().newVersion()).isEqualTo(2);
        assertThat(accounts.current(id).state().balance().toPlainString()).isEqualTo("0.00");
        assertThat(store.streamVersion(id)).isEqualTo(2);
    }

    @Test
    void concurrentDepositsAreAllAppliedThroughConflictRetries() throws Exception {
        // Each lost race is another writer's commit, so 7 retries always suffice for 8 writers.
        AccountCommands patient = new AccountCommands(store, registry, new CommandSettings(7, 0), Clock.systemUTC());
        String id = patient.open(new OpenAccount(null, "EUR", BigDecimal.ZERO), CommandContext.none()).streamId();

        Set<AppendResult> results = race(8,
                () -> patient.deposit(new DepositMoney(id, new BigDecimal("1.25"), "coins"), CommandContext.none()));

        assertThat(results).extracting(AppendResult::newVersion)
                .containsExactlyInAnyOrder(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(patient.current(id).state().balance().toPlainString()).isEqualTo("10.00");
    }

    private Set<AppendResult> race(int writers, Supplier<AppendResult> command) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<AppendResult>> futures = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            futures.add(threads.submit(() -> {
                start.await();
                return command.get();
            }));
        }
        start.countDown();
        Set<AppendResult> results = new HashSet<>();
        for (Future<AppendResult> future : futures) {
            results.add(future.get());
        }
        return results;
    }
}
