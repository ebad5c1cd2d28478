package io.projhub.core.eventstore;

import static io.projhub.core.testing.TestDatabase.queryLong;
import static io.projhub.core.testing.TestDatabase.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.error.ConcurrencyConflictException;
import io.projhub.core.error.IdempotencyKeyReusedException;
import io.projhub.core.error.InvalidCommandException;
import io.projhub.core.eventstore.postgres.PostgresEventStore;
import io.projhub.core.testing.TestDatabase;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

@RealStores
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresEventStoreTest {

    private DataSource dataSource;
    private EventTypeRegistry registry;
    private EventStore store;
    private final ExecutorService threads = Executors.newFixedThreadPool(16);

    @BeforeAll
    void migrate(StoreEndpoints stores) {
        dataSource = TestDatabase.migrated(stores);
        registry = DomainEventTypes.registry();
        store = new PostgresEventStore(dataSource, registry);
    }

    @AfterAll
    void stopThreads() {
        threads.shutdownNow();
    }

    private NewEvent event(String type, int n) {
        return new NewEvent(type, registry.mapper().createObjectNode().put("n", n),
                EventMetadata.of("corr-" + n, null, null));
    }

    private List<NewEvent> events(int count) {
        return IntStream.rangeClosed(1, count).mapToObj(n -> event("TestHappened", n)).toList();
    }

    private static List<Long> versions(List<RecordedEvent> events) {
        return events.stream().map(RecordedEvent::version).toList();
    }

    // ------------------------------------------------------------------ append

    @Test
    void anAppendWritesConsecutiveVersionsAndReturnsTheLastEventsPositionAsToken() {
        String stream = uniqueId("test");

        AppendResult first = store.append(stream, "test", ExpectedVersion.NO_STREAM, events(3));
        AppendResult second = store.append(stream, "test", ExpectedVersion.exact(3), events(2));

        List<RecordedEvent> read = store.readStream(stream, 1);
        assertThat(versions(read)).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(first).isEqualTo(new AppendResult(stream, 3, read.get(2).logPosition()));
        assertThat(second.newVersion()).isEqualTo(5);
        assertThat(second.position()).isEqualTo(read.get(4).logPosition()).isGreaterThan(first.position());
        assertThat(LogPosition.parse(second.position().token())).isEqualTo(second.position());
        assertThat(read.get(0).data().get("n").asInt()).isEqualTo(1);
        assertThat(read.get(0).metadata().correlationId()).isEqualTo("corr-1");
        assertThat(read.get(0).streamType()).isEqualTo("test");
        assertThat(store.streamVersion(stream)).isEqualTo(5);
        assertThat(store.streamType(stream)).contains("test");
    }

    @Test
    void sixteenWritersWithTheSameExpectedVersionProduceExactlyOneWinner() throws Exception {
        String stream = uniqueId("test");
        store.append(stream, "test", ExpectedVersion.NO_STREAM, events(1));
        CountDownLatch start = new CountDownLatch(1);
        List<Future<AppendResult>> writers = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int writer = i;
            writers.add(threads.submit(() -> {
                start.await();
                return store.append(stream, "test", ExpectedVersion.exact(1),
                        List.of(event("TestHappened", 100 + writer), event("TestHappened", 200 + writer)));
            }));
        }
        start.countDown();

        int winners = 0;
        int conflicts = 0;
        for (Future<AppendResult> writer : writers) {
            try {
                assertThat(writer.get().newVersion()).isEqualTo(3);
                winners++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(ConcurrencyConflictException.class);
                ConcurrencyConflictException conflict = (ConcurrencyConflictException) e.getCause();
                assertThat(conflict.streamId()).isEqualTo(stream);
                assertThat(conflict.expected()).isEqualTo(ExpectedVersion.exact(1));
                conflicts++;
            }
        }
        assertThat(winners).isEqualTo(1);
        assertThat(conflicts).isEqualTo(15);
        List<RecordedEvent> read = store.readStream(stream, 1);
        assertThat(versions(read)).containsExactly(1L, 2L, 3L);
        int winner = read.get(1).data().get("n").asInt() - 100;
        assertThat(read.get(2).data().get("n").asInt()).as("both events of the one winner").isEqualTo(200 + winner);
    }

    @Test
    void aMismatchedExpectedVersionWritesNothing() {
        String stream = uniqueId("test");
        store.append(stream, "test", ExpectedVersion.NO_STREAM, events(2));

        assertThatThrownBy(() -> store.append(stream, "test", ExpectedVersion.exact(1), events(3)))
                .isInstanceOfSatisfying(ConcurrencyConflictException.class,
                        e -> assertThat(e.actualVersion()).isEqualTo(2));
        assertThatThrownBy(() -> store.append(stream, "test", ExpectedVersion.NO_STREAM, events(1)))
                .isInstanceOf(ConcurrencyConflictException.class);
        assertThatThrownBy(() -> store.append(uniqueId("test"), "test", ExpectedVersion.exact(1), events(1)))
                .isInstanceOfSatisfying(ConcurrencyConflictException.class,
                        e -> assertThat(e.actualVersion()).isZero());
        assertThat(store.streamVersion(stream)).isEqualTo(2);
    }

    @Test
    void aBatchWhoseSecondEventConflictsWritesNothing() throws Exception {
        String stream = uniqueId("test");
        store.append(stream, "test", ExpectedVersion.NO_STREAM, events(1));
        try (Connection other = dataSource.getConnection()) {
            // Another writer, not yet committed, holds version 3: the batch's first event (version 2) is free,
            // its second one will collide once that writer commits.
            other.setAutoCommit(false);
            insertRaw(other, stream, 3, "OtherWriter");
            long otherPid = backendPid(other);
            Future<AppendResult> batch = threads.submit(
                    () -> store.append(stream, "test", ExpectedVersion.exact(1), events(2)));
            await().atMost(Duration.ofSeconds(20)).until(() -> someoneWaitsFor(otherPid));
            other.commit();

            assertThatThrownBy(batch::get).hasCauseInstanceOf(ConcurrencyConflictException.class);
        }
        List<RecordedEvent> read = store.readStream(stream, 1);
        assertThat(versions(read)).containsExactly(1L, 3L);
        assertThat(read.get(1).type()).isEqualTo("OtherWriter");
    }

    @Test
    void anyVersionAppendsAfterWhateverIsThere() {
        String stream = uniqueId("test");
        store.append(stream, "test", ExpectedVersion.ANY, events(2));
        AppendResult result = store.append(stream, "test", ExpectedVersion.ANY, events(1));
        assertThat(result.newVersion()).isEqualTo(3);
    }

    @Test
    void aStreamKeepsTheTypeItWasCreatedWith() {
        String stream = uniqueId("test");
        store.append(stream, "test", ExpectedVersion.NO_STREAM, events(1));

        assertThatThrownBy(() -> store.append(stream, "other", ExpectedVersion.exact(1), events(1)))
                .isInstanceOfSatisfying(InvalidCommandException.class,
                        e -> assertThat(e.field()).isEqualTo("streamType"));
        assertThat(store.streamVersion(stream)).isEqualTo(1);
    }

    @Test
    void malformedAppendsAreRefusedNamingTheField() {
        String stream = uniqueId("test");
        ObjectNode data = registry.mapper().createObjectNode();
        JsonNode notAnObject = registry.mapper().createArrayNode();
        record Case(String streamId, List<NewEvent> events, String field) {
        }
        List<Case> cases = List.of(
                new Case("bad id with spaces", events(1), "streamId"),
                new Case("x".repeat(129), events(1), "streamId"),
                new Case(stream, List.of(), "events"),
                new Case(stream, List.of(event("Fine", 1), new NewEvent("bad type!", data)), "events[1].type"),
                new Case(stream, List.of(new NewEvent(null, data)), "events[0].type"),
                new Case(stream, List.of(new NewEvent("Fine", null)), "events[0].data"),
                new Case(stream, List.of(new NewEvent("Fine", notAnObject)), "events[0].data"),
                new Case(stream, List.of(new NewEvent("OrderCreated",
                        registry.mapper().createObjectNode().put("items", "none"))), "events[0].data"));
        for (Case c : cases) {
            assertThatThrownBy(() -> store.append(c.streamId(), "test", ExpectedVersion.ANY, c.events()))
                    .as(c.field())
                    .isInstanceOfSatisfying(InvalidCommandException.class,
                            e -> assertThat(e.field()).isEqualTo(c.field()));
        }
        assertThat(store.streamVersion(stream)).isZero();
    }

    @Test
    void anAppendNotifiesListenersWhenItCommits() throws Exception {
        try (Connection listener = dataSource.getConnection()) {
            listener.createStatement().execute("listen " + PostgresEventStore.NOTIFICATION_CHANNEL);
            store.append(uniqueId("test"), "test", ExpectedVersion.NO_STREAM, events(1));

            List<String> channels = new ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                PGNotification[] received = listener.unwrap(PGConnection.class).getNotifications(100);
                if (received != null) {
                    for (PGNotification n : received) {
                        channels.add(n.getName());
                    }
                }
                return !channels.isEmpty();
            });
            assertThat(channels).contains(PostgresEventStore.NOTIFICATION_CHANNEL);
        }
    }

    // ------------------------------------------------------------------ reading a stream, time travel

    @Test
    void aStreamReadsFromAVersionUntilAVersionOrUntilAnInstant() {
        String stream = uniqueId("test");
        for (int i = 0; i < 5; i++) {
            store.append(stream, "test", ExpectedVersion.exact(i), events(1));
        }
        List<RecordedEvent> all = store.readStream(stream, 1);

        assertThat(versions(store.readStream(stream, 4))).containsExactly(4L, 5L);
        assertThat(versions(store.readStream(stream, 2, 3))).containsExactly(2L, 3L);
        assertThat(versions(store.readStreamUntilVersion(stream, 3))).containsExactly(1L, 2L, 3L);
        assertThat(versions(store.readStreamUntil(stream, all.get(2).recordedAt()))).containsExactly(1L, 2L, 3L);
        assertThat(store.readStreamUntil(stream, all.get(0).recordedAt().minusNanos(1000))).isEmpty();
        assertThat(store.streamVersionAt(stream, all.get(3).recordedAt())).isEqualTo(4);
        assertThat(store.readStream(uniqueId("missing"), 1)).isEmpty();
        assertThat(store.streamVersion(uniqueId("missing"))).isZero();
    }

    // ------------------------------------------------------------------ upcasting

    @Test
    void anOldSchemaVersionReadsAsTheCurrentOneWhileTheStoredRowStaysAsWritten() throws Exception {
        String stream = uniqueId("order");
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("""
                     insert into events (stream_id, stream_type, version, event_type, schema_version, data)
                     values (?, 'order', 1, 'OrderCreated', 1, ?::jsonb)""")) {
            ps.setString(1, stream);
            ps.setString(2, """
                    {"orderId": "%s", "customerId": "customer-legacy", "customerName": "Legacy Ltd",
                     "items": [{"name": "widget", "price": 2.50, "quantity": 4},
                               {"name": "gadget", "price": 10, "quantity": 1}],
                     "createdAt": "2020-01-01T00:00:00Z"}""".formatted(stream));
            ps.executeUpdate();
        }

        RecordedEvent read = store.readStream(stream, 1).get(0);

        assertThat(read.schemaVersion()).isEqualTo(2);
        assertThat(read.data().get("currency").stringValue()).isEqualTo("USD");
        assertThat(read.data().get("totalAmount").decimalValue()).isEqualByComparingTo("20.00");
        assertThat(read.data().get("totalAmount").decimalValue().scale()).isEqualTo(2);
        assertThat(queryLong(dataSource, "select schema_version from events where stream_id = ?", stream))
                .isEqualTo(1);
        assertThat(queryLong(dataSource, "select count(*) from events where stream_id = ? and data -> 'currency' is not null",
                stream)).isZero();
    }

    @Test
    void anOldEventItsUpcasterCannotReadIsReadAsStoredAndDoesNotStopTheGlobalRead() throws Exception {
        String poison = uniqueId("order");
        String after = uniqueId("after");
        LogPosition from = store.head().map(LogHead::position).orElse(LogPosition.START);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("""
                     insert into events (stream_id, stream_type, version, event_type, schema_version, data)
                     values (?, 'order', 1, 'OrderCreated', 1, ?::jsonb)""")) {
            ps.setString(1, poison);
            ps.setString(2, """
                    {"orderId": "%s", "customerId": "nobody", "items": [{"name": "x", "price": "abc", "quantity": 1}]}"""
                    .formatted(poison));
            ps.executeUpdate();
        }
        store.append(after, "test", ExpectedVersion.NO_STREAM, List.of(event("Pinged", 1)));

        Subscriber subscriber = new Subscriber(from, Set.of(poison, after));
        subscriber.pollToTheFrontier();

        assertThat(subscriber.seen).extracting(RecordedEvent::streamId).containsExactly(poison, after);
        RecordedEvent asStored = subscriber.seen.get(0);
        assertThat(asStored.schemaVersion()).isEqualTo(1);
        assertThat(asStored.data().get("currency")).isNull();
        assertThatThrownBy(() -> registry.toObject(asStored)).isInstanceOf(RuntimeException.class);
        assertThat(store.readStream(poison, 1)).singleElement()
                .satisfies(e -> assertThat(e.schemaVersion()).isEqualTo(1));

        // The test database is shared with the hub-server tests, whose lanes would each spend their attempts on it.
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("delete from events where stream_id = ?")) {
            ps.setString(1, poison);
            ps.executeUpdate();
        }
    }

    @Test
    void anAppendThatCommittedReturnsItsResultEvenIfTheConnectionBreaksRightAfterTheCommit() {
        // A connection that fails every call once its transaction has committed (the server going down right then):
        // the append is in the log, so it must say so, not fail and invite a retry that would append it twice.
        javax.sql.DataSource breaking = (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
                    Object result = method.invoke(dataSource, args);
                    if (!method.getName().equals("getConnection")) {
                        return result;
                    }
                    Connection real = (Connection) result;
                    boolean[] committed = {false};
                    return java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                            new Class<?>[] {Connection.class}, (p, m, a) -> {
                                if (committed[0] && !m.getName().equals("close")) {
                                    throw new SQLException("Connection is closed");
                                }
                                try {
                                    Object r = m.invoke(real, a);
                                    if (m.getName().equals("commit")) {
                                        committed[0] = true;
                                    }
                                    return r;
                                } catch (java.lang.reflect.InvocationTargetException e) {
                                    throw e.getCause();
                                }
                            });
                });
        PostgresEventStore store = new PostgresEventStore(breaking, registry);
        String stream = uniqueId("broken-after-commit");

        AppendResult result = store.append(stream, "test", ExpectedVersion.NO_STREAM, events(2));

        assertThat(result.newVersion()).isEqualTo(2);
        assertThat(this.store.readStream(stream, 1)).hasSize(2);
    }

    // ------------------------------------------------------------------ idempotency

    @Test
    void eightConcurrentRetriesWithOneIdempotencyKeyAppendOnceAndAllGetTheFirstResult() throws Exception {
        String stream = uniqueId("test");
        store.append(stream, "test", ExpectedVersion.NO_STREAM, events(1));
        IdempotencyKey key = new IdempotencyKey(uniqueId("key"), "fingerprint-1");
        CountDownLatch start = new CountDownLatch(1);
        List<Future<AppendResult>> retries = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Callable<AppendResult> retry = () -> {
                start.await();
                return store.append(stream, "test", ExpectedVersion.exact(1), events(2), key);
            };
            retries.add(threads.submit(retry));
        }
        start.countDown();

        Set<AppendResult> results = new java.util.HashSet<>();
        for (Future<AppendResult> retry : retries) {
            results.add(retry.get());
        }
        assertThat(results).hasSize(1);
        AppendResult only = results.iterator().next();
        assertThat(only.newVersion()).isEqualTo(3);
        assertThat(versions(store.readStream(stream, 1))).containsExactly(1L, 2L, 3L);
        assertThat(store.findAppend(key)).contains(only);
    }

    @Test
    void aRetriedAppendReturnsTheFirstResultEvenAfterTheStreamMovedOn() {
        String stream = uniqueId("test");
        IdempotencyKey key = IdempotencyKey.of(uniqueId("key"));
        AppendResult first = store.append(stream, "test", ExpectedVersion.NO_STREAM, events(1), key);
        store.append(stream, "test", ExpectedVersion.exact(1), events(1));

        AppendResult retried = store.append(stream, "test", ExpectedVersion.NO_STREAM, events(1), key);

        assertThat(retried).isEqualTo(first);
        assertThat(store.streamVersion(stream)).isEqualTo(2);
    }

    @Test
    void anIdempotencyKeySentWithADifferentRequestIsRefused() {
        String stream = uniqueId("test");
        String key = uniqueId("key");
        store.append(stream, "test", ExpectedVersion.NO_STREAM, events(1), new IdempotencyKey(key, "request-a"));

        assertThatThrownBy(() -> store.append(stream, "test", ExpectedVersion.exact(1), events(1),
                new IdempotencyKey(key, "request-b")))
                .isInstanceOfSatisfying(IdempotencyKeyReusedException.class,
                        e -> assertThat(e.idempotencyKey()).isEqualTo(key));
        assertThat(store.streamVersion(stream)).isEqualTo(1);
    }

    // ------------------------------------------------------------------ snapshots

    @Test
    void theLatestSnapshotOfATypeIsLoadedAtOrBeforeAVersion() {
        String stream = uniqueId("test");
        store.append(stream, "test", ExpectedVersion.NO_STREAM, events(9));
        store.saveSnapshot(stream, 3, "test/1", registry.mapper().createObjectNode().put("at", 3));
        store.saveSnapshot(stream, 6, "test/1", registry.mapper().createObjectNode().put("at", 6));
        store.saveSnapshot(stream, 6, "test/1", registry.mapper().createObjectNode().put("at", -1));
        store.saveSnapshot(stream, 9, "test/2", registry.mapper().createObjectNode().put("at", 9));

        Snapshot latest = store.loadLatestSnapshot(stream, "test/1").orElseThrow();
        assertThat(latest.version()).isEqualTo(6);
        assertThat(latest.state().get("at").asInt()).as("the first snapshot of a version stays").isEqualTo(6);
        assertThat(store.loadLatestSnapshot(stream, "test/1", 5).orElseThrow().version()).isEqualTo(3);
        assertThat(store.loadLatestSnapshot(stream, "test/1", 2)).isEmpty();
        assertThat(store.loadLatestSnapshot(stream, "test/2").orElseThrow().version()).isEqualTo(9);
    }

    // ------------------------------------------------------------------ the gap-safe global read

    @Test
    void anOpenTransactionHoldsBackTheFrontierUntilItCommitsThenNothingIsSkipped() throws Exception {
        String early = uniqueId("gap");
        String late1 = uniqueId("gap");
        String late2 = uniqueId("gap");
        Set<String> mine = Set.of(early, late1, late2);
        LogPosition marker = store.append(uniqueId("gap"), "test", ExpectedVersion.NO_STREAM, events(1)).position();
        Subscriber subscriber = new Subscriber(marker, mine);

        try (Connection inFlight = dataSource.getConnection()) {
            inFlight.setAutoCommit(false);
            insertRaw(inFlight, early, 1, "Early");      // lower position and transaction id, committed last
            store.append(late1, "test", ExpectedVersion.NO_STREAM, events(1));
            store.append(late2, "test", ExpectedVersion.NO_STREAM, events(2));

            subscriber.pollToTheFrontier();
            assertThat(subscriber.seen).as("nothing after the open transaction is visible yet").isEmpty();
            assertThat(store.readStream(late1, 1)).as("though it is committed").hasSize(1);

            inFlight.commit();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            subscriber.pollToTheFrontier();
            assertThat(subscriber.seen).hasSize(4);
        });
        assertThat(subscriber.seen.stream().map(RecordedEvent::streamId))
                .containsExactly(early, late1, late2, late2);
        assertThat(subscriber.seen.stream().map(RecordedEvent::logPosition)).isSorted();
    }

    @Test
    void aRolledBackTransactionReleasesTheFrontierAndLeavesNoEvent() throws Exception {
        String rolledBack = uniqueId("gap");
        String committed = uniqueId("gap");
        LogPosition marker = store.append(uniqueId("gap"), "test", ExpectedVersion.NO_STREAM, events(1)).position();
        Subscriber subscriber = new Subscriber(marker, Set.of(rolledBack, committed));

        try (Connection inFlight = dataSource.getConnection()) {
            inFlight.setAutoCommit(false);
            insertRaw(inFlight, rolledBack, 1, "Doomed");
            store.append(committed, "test", ExpectedVersion.NO_STREAM, events(1));
            subscriber.pollToTheFrontier();
            assertThat(subscriber.seen).isEmpty();
            inFlight.rollback();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            subscriber.pollToTheFrontier();
            assertThat(subscriber.seen).extracting(RecordedEvent::streamId).containsExactly(committed);
        });
    }

    @Test
    void theHeadIsTheNewestCommittedEventAndLagCountsWhatLiesAfterACheckpoint() {
        AppendResult first = store.append(uniqueId("test"), "test", ExpectedVersion.NO_STREAM, events(2));
        AppendResult second = store.append(uniqueId("test"), "test", ExpectedVersion.NO_STREAM, events(3));

        LogHead head = store.head().orElseThrow();
        assertThat(head.position()).isGreaterThanOrEqualTo(second.position());
        assertThat(store.countAfter(first.position())).isGreaterThanOrEqualTo(3);
        assertThat(store.countAfter(head.position())).isZero();
    }

    /** Reads the log the way a subscriber does: from its checkpoint, page by page, keeping only these streams. */
    private final class Subscriber {
        private LogPosition checkpoint;
        private final Set<String> streams;
        private final List<RecordedEvent> seen = new ArrayList<>();

        Subscriber(LogPosition from, Set<String> streams) {
            this.checkpoint = from;
            this.streams = streams;
        }

        void pollToTheFrontier() {
            List<RecordedEvent> page;
            do {
                page = store.readAll(checkpoint, 500);
                for (RecordedEvent event : page) {
                    assertThat(event.logPosition()).isGreaterThan(checkpoint);
                    if (streams.contains(event.streamId())) {
                        seen.add(event);
                    }
                    checkpoint = event.logPosition();
                }
            } while (!page.isEmpty());
        }
    }

    private static void insertRaw(Connection c, String stream, long version, String type) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                insert into events (stream_id, stream_type, version, event_type, data)
                values (?, 'test', ?, ?, '{}'::jsonb)""")) {
            ps.setString(1, stream);
            ps.setLong(2, version);
            ps.setString(3, type);
            ps.executeUpdate();
        }
    }

    private static long backendPid(Connection c) throws SQLException {
        try (var rs = c.createStatement().executeQuery("select pg_backend_pid()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private boolean someoneWaitsFor(long pid) {
        return queryLong(dataSource, "select count(*) from pg_stat_activity where ?::int = any(pg_blocking_pids(pid))",
                pid) > 0;
    }
}
