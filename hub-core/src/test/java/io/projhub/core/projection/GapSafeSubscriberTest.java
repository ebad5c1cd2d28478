package io.projhub.core.projection;

import static io.projhub.core.projection.SubscriberTestSupport.committed;
import static io.projhub.core.projection.SubscriberTestSupport.recorded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.internal.PollingProjectionSubscriber;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

@RealStores
class GapSafeSubscriberTest {

    private static final Set<String> TYPES = Set.of("StressEvent");
    private static final int WRITERS = 8;
    private static final int TARGET_EVENTS = 20_000;

    @Test
    void everyCommittedEventArrivesExactlyOnceInStreamOrderDespiteSlowCommitsRollbacksAndAnIdleTransaction(
            StoreEndpoints stores) throws Exception {
        DataSource ds = SubscriberTestSupport.dataSource(stores);
        EventStore store = SubscriberTestSupport.eventStore(ds);
        String prefix = "stress-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        LogPosition start = SubscriberTestSupport.logEnd(ds);
        RecordingProjector small = new RecordingProjector(prefix + "small", ds, start, TYPES);
        RecordingProjector large = new RecordingProjector(prefix + "large", ds, start, TYPES);

        try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                SubscriberTestSupport.lanes(small, LaneSettings.DEFAULTS.withBatchSize(97),
                        large, LaneSettings.DEFAULTS.withBatchSize(2000)))) {
            subscriber.start();

            AtomicInteger committedCount = new AtomicInteger();
            AtomicInteger rolledBack = new AtomicInteger();
            ExecutorService writers = Executors.newFixedThreadPool(WRITERS + 1);
            List<Future<?>> work = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                work.add(writers.submit(() -> write(ds, prefix + "w" + writer + "-", committedCount, rolledBack)));
            }
            // Midway, one session inserts an event and then sits idle in its transaction for 3 s.
            await().atMost(Duration.ofMinutes(2)).until(() -> committedCount.get() >= TARGET_EVENTS / 2);
            AtomicInteger idlePid = new AtomicInteger();
            Future<?> idle = writers.submit(() -> idleInTransaction(ds, prefix + "idle", Duration.ofSeconds(3), idlePid));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                FrontierStatus frontier = subscriber.status().frontier();
                assertThat(frontier.pinned()).isTrue();
                assertThat(frontier.holderPid()).isEqualTo(idlePid.get());
                assertThat(frontier.holderState()).isEqualTo("idle in transaction");
                assertThat(subscriber.status().lanes()).allSatisfy(l -> assertThat(l.stalledBy()).contains("pid " + idlePid.get()));
            });
            idle.get();
            for (Future<?> f : work) {
                f.get();
            }
            writers.shutdown();

            List<String> expected = committed(ds, prefix);
            assertThat(expected).hasSizeGreaterThanOrEqualTo(TARGET_EVENTS);
            assertThat(rolledBack.get()).isPositive();
            for (RecordingProjector lane : List.of(small, large)) {
                await().atMost(Duration.ofMinutes(2)).until(() -> recorded(ds, lane.name(), prefix).size() >= expected.size());
                List<String> got = recorded(ds, lane.name(), prefix);
                assertThat(got).as("lane %s", lane.name()).hasSameSizeAs(expected);
                assertThat(new HashSet<>(got)).as("nothing missing, nothing rolled back").isEqualTo(new HashSet<>(expected));
                assertThat(lane.duplicateDeliveries()).isZero();
                assertInStreamOrder(got);
            }
            assertThat(subscriber.status().lanes()).allSatisfy(l -> assertThat(l.streamGaps()).isZero());
        }
    }

    @Test
    void aNotificationWakesTheSubscriberLongBeforeItsPollInterval(StoreEndpoints stores) throws Exception {
        DataSource ds = SubscriberTestSupport.dataSource(stores);
        EventStore store = SubscriberTestSupport.eventStore(ds);
        String prefix = "notify-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        RecordingProjector lane = new RecordingProjector(prefix + "lane", ds, SubscriberTestSupport.logEnd(ds), TYPES);
        try (PollingProjectionSubscriber subscriber = liveWithSlowPolling(ds, store, lane)) {
            Thread.sleep(500); // let the poller settle into its wait

            append(store, prefix + "s");

            // Without LISTEN/NOTIFY the event would wait for the next poll, five minutes away.
            await().atMost(Duration.ofSeconds(20)).until(() -> recorded(ds, lane.name(), prefix).size() == 1);
        }
    }

    @Test
    void concurrentAppendsShareNotificationsAndTheLastCommitStillWakesTheSubscriber(StoreEndpoints stores)
            throws Exception {
        DataSource ds = SubscriberTestSupport.dataSource(stores);
        EventStore store = SubscriberTestSupport.eventStore(ds);
        String prefix = "burst-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        RecordingProjector lane = new RecordingProjector(prefix + "lane", ds, SubscriberTestSupport.logEnd(ds), TYPES);
        try (PollingProjectionSubscriber subscriber = liveWithSlowPolling(ds, store, lane)) {
            // Bursts of appends from 8 threads: the notifications of commits made while one is being sent are shared,
            // and none is lost, so every burst's last event arrives long before the five-minute poll.
            ExecutorService writers = Executors.newFixedThreadPool(8);
            int expected = 0;
            for (int burst = 0; burst < 5; burst++) {
                List<Future<?>> work = new ArrayList<>();
                for (int w = 0; w < 8; w++) {
                    String stream = prefix + "b" + burst + "w" + w;
                    work.add(writers.submit(() -> {
                        for (int i = 0; i < 25; i++) {
                            append(store, stream);
                        }
                    }));
                }
                for (Future<?> f : work) {
                    f.get();
                }
                expected += 8 * 25;
                int total = expected;
                await().atMost(Duration.ofSeconds(20)).until(() -> recorded(ds, lane.name(), prefix).size() == total);
            }
            writers.shutdown();
        }
    }

    @Test
    void aClosedSubscriberStartsAgainWithFreshLanesAndResumesFromTheStoresCheckpoint(StoreEndpoints stores) throws Exception {
        DataSource ds = SubscriberTestSupport.dataSource(stores);
        EventStore store = SubscriberTestSupport.eventStore(ds);
        String prefix = "restart-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        RecordingProjector lane = new RecordingProjector(prefix + "lane", ds, SubscriberTestSupport.logEnd(ds), TYPES);
        try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                SubscriberTestSupport.lanes(lane, LaneSettings.DEFAULTS))) {
            subscriber.start();
            append(store, prefix + "s");
            await().atMost(Duration.ofSeconds(20)).until(() -> recorded(ds, lane.name(), prefix).size() == 1);

            subscriber.close();
            assertThat(subscriber.status().lanes().get(0).state()).isEqualTo(LaneState.STOPPED);
            append(store, prefix + "s");
            subscriber.start();

            await().atMost(Duration.ofSeconds(20)).until(() -> recorded(ds, lane.name(), prefix).size() == 2);
            assertThat(recorded(ds, lane.name(), prefix)).containsExactly(prefix + "s@1", prefix + "s@2");
            await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.status().lanes().get(0).state() == LaneState.LIVE);
        }
    }

    /**
     * A started subscriber with one live lane that polls only every five minutes: what arrives sooner was woken by a
     * notification.
     */
    private static PollingProjectionSubscriber liveWithSlowPolling(DataSource ds, EventStore store,
                                                                   RecordingProjector lane) {
        SubscriberSettings slowPolling = new SubscriberSettings(500, Duration.ofMinutes(5), Duration.ofMillis(200),
                Duration.ofSeconds(1), Duration.ofSeconds(10));
        PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                SubscriberTestSupport.lanes(lane, LaneSettings.DEFAULTS), slowPolling,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        subscriber.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.status().pollerHeartbeat() != null
                    && subscriber.status().lanes().get(0).state() == LaneState.LIVE);
        } catch (RuntimeException | Error e) {
            subscriber.close();
            throw e;
        }
        return subscriber;
    }

    private static void append(EventStore store, String stream) {
        store.append(stream, "stress", io.projhub.core.eventstore.ExpectedVersion.ANY, List.of(
                new io.projhub.core.eventstore.NewEvent("StressEvent", tools.jackson.databind.node.JsonNodeFactory.instance.objectNode())));
    }

    /** Transactions of 1–30 events over a few streams, committed after 0–200 ms, one in ten rolled back. */
    private static void write(DataSource ds, String streamPrefix, AtomicInteger committed, AtomicInteger rolledBack) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Map<String, Long> versions = new HashMap<>();
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            while (committed.get() < TARGET_EVENTS) {
                Map<String, Long> pending = new HashMap<>(versions);
                int n = 1 + random.nextInt(30);
                try (PreparedStatement ps = c.prepareStatement("""
                        insert into events (stream_id, stream_type, version, event_type, data)
                        values (?, 'stress', ?, 'StressEvent', '{}'::jsonb)
                        """)) {
                    for (int i = 0; i < n; i++) {
                        String stream = streamPrefix + random.nextInt(20);
                        long version = pending.merge(stream, 1L, Long::sum);
                        ps.setString(1, stream);
                        ps.setLong(2, version);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                Thread.sleep(random.nextInt(201));
                if (random.nextInt(10) == 0) {
                    c.rollback();
                    rolledBack.incrementAndGet();
                } else {
                    c.commit();
                    versions = pending;
                    committed.addAndGet(n);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Void idleInTransaction(DataSource ds, String stream, Duration idle, AtomicInteger pidOut) throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            int pid;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into events (stream_id, stream_type, version, event_type, data)
                    values (?, 'stress', 1, 'StressEvent', '{}'::jsonb)
                    """)) {
                ps.setString(1, stream);
                ps.executeUpdate();
            }
            pidOut.set(pid);
            Thread.sleep(idle.toMillis());
            c.commit();
            return null;
        }
    }

    private static void assertInStreamOrder(List<String> recorded) {
        Map<String, Long> last = new HashMap<>();
        for (String entry : recorded) {
            int at = entry.lastIndexOf('@');
            String stream = entry.substring(0, at);
            long version = Long.parseLong(entry.substring(at + 1));
            long previous = last.getOrDefault(stream, 0L);
            assertThat(version).as("stream %s after version %d", stream, previous).isEqualTo(previous + 1);
            last.put(stream, version);
        }
    }
}
