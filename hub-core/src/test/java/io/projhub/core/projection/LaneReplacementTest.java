package io.projhub.core.projection;

import static io.projhub.core.projection.LaneIsolationTest.lane;
import static io.projhub.core.projection.SubscriberTestSupport.committed;
import static io.projhub.core.projection.SubscriberTestSupport.lanes;
import static io.projhub.core.projection.SubscriberTestSupport.recorded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.eventstore.postgres.PostgresEventStore;
import io.projhub.core.projection.internal.PollingProjectionSubscriber;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * {@link ProjectionSubscriber#replaceLanes}: the set of lanes changes while the subscriber runs (read-model
 * definitions reloaded). Real PostgreSQL log and dead-letter table; the read models are {@link RecordingProjector}s
 * (a table of what each applied, with its checkpoint in the same transaction).
 */
@RealStores
class LaneReplacementTest {

    private static final Set<String> TYPES = Set.of("LaneReplacementEvent");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final LaneSettings QUICK = LaneSettings.DEFAULTS.withBatchSize(50)
            .withRetry(Duration.ofMillis(20), 1.5, Duration.ofMillis(100), 1);

    /**
     * A recording read model whose lane name may differ from the key its rows and checkpoint are stored under (a new
     * definition of a read model that writes a new index with its own checkpoint), which counts how often its
     * checkpoint is read (once per lane start) and fails on events marked poison.
     */
    static final class TestProjector extends RecordingProjector {
        private final String laneName;
        final AtomicInteger checkpointReads = new AtomicInteger();
        /** When set, a batch with events waits for it before it is written (a slow store); {@link #entered} tells. */
        volatile CountDownLatch hold;
        final CountDownLatch entered = new CountDownLatch(1);

        TestProjector(String laneName, String storeKey, DataSource ds, LogPosition initial) {
            super(storeKey, ds, initial, TYPES);
            this.laneName = laneName;
        }

        TestProjector(String name, DataSource ds, LogPosition initial) {
            this(name, name, ds, initial);
        }

        @Override
        public String name() {
            return laneName;
        }

        @Override
        public LogPosition checkpoint() throws SQLException {
            checkpointReads.incrementAndGet();
            return super.checkpoint();
        }

        @Override
        protected void beforeApply(EventBatch batch) throws InterruptedException {
            CountDownLatch waitFor = hold;
            if (waitFor != null && !batch.events().isEmpty()) {
                entered.countDown();
                waitFor.await();
            }
            if (batch.events().stream().anyMatch(e -> e.data().path("poison").asBoolean(false))) {
                throw new IllegalArgumentException("cannot map a poison event");
            }
        }
    }

    @Test
    void aLaneAddedWhileRunningCatchesUpFromItsCheckpointThenFollowsNewEvents(StoreEndpoints stores) throws Exception {
        String prefix = prefix("add");
        try (HikariDataSource ds = SubscriberTestSupport.dataSource(stores)) {
            try {
                EventStore store = SubscriberTestSupport.eventStore(ds);
                LogPosition start = SubscriberTestSupport.logEnd(ds);
                TestProjector first = new TestProjector(prefix + "first", ds, start);
                SimpleMeterRegistry metrics = new SimpleMeterRegistry();
                try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                        lanes(first, QUICK), SubscriberTestSupport.FAST, metrics)) {
                    subscriber.start();
                    List<AppendResult> appended = new ArrayList<>();
                    for (int i = 0; i < 30; i++) {
                        appended.add(append(store, prefix + "s" + (i % 3), false));
                    }
                    await().atMost(WAIT).until(() -> recorded(ds, first.name(), prefix).size() == 30);

                    // The new read model's store already holds the first 10 events: its checkpoint is the 10th.
                    TestProjector added = new TestProjector(prefix + "added", ds, start);
                    seedCheckpoint(ds, added.name(), appended.get(9).position());
                    assertThat(metrics.find("projhub_events_applied").tag("lane", added.name()).counter()).isNull();

                    subscriber.replaceLanes(lanes(first, QUICK, added, QUICK));

                    List<String> all = committed(ds, prefix);
                    await().atMost(WAIT).untilAsserted(() ->
                            assertThat(recorded(ds, added.name(), prefix)).containsExactlyElementsOf(all.subList(10, 30)));
                    assertThat(added.duplicateDeliveries()).as("resumed after its checkpoint, not before").isZero();
                    assertThat(lane(subscriber, added.name()).state()).isIn(LaneState.LIVE, LaneState.CATCHING_UP);
                    assertThat(metrics.get("projhub_events_applied").tag("lane", added.name()).counter().count())
                            .isGreaterThanOrEqualTo(20);
                    assertThat(metrics.get("projhub_checkpoint_position").tag("lane", added.name()).gauge().value())
                            .isGreaterThanOrEqualTo(appended.get(29).position().position());

                    // Then it follows the log with the lane that was there before.
                    for (int i = 0; i < 10; i++) {
                        append(store, prefix + "s" + (i % 3), false);
                    }
                    List<String> now = committed(ds, prefix);
                    await().atMost(WAIT).untilAsserted(() -> {
                        assertThat(recorded(ds, added.name(), prefix)).containsExactlyElementsOf(now.subList(10, 40));
                        assertThat(recorded(ds, first.name(), prefix)).containsExactlyElementsOf(now);
                    });
                    assertThat(first.checkpointReads).as("the kept lane was not restarted").hasValue(1);
                    assertThat(subscriber.status().lanes()).extracting(LaneStatus::name)
                            .containsExactly(first.name(), added.name());
                }
            } finally {
                cleanUp(ds, prefix);
            }
        }
    }

    @Test
    void aRemovedLaneStopsReceivingEventsLeavesStatusAndMetricsKeepsItsDeadLettersAndCanBeAddedAgain(
            StoreEndpoints stores) throws Exception {
        String prefix = prefix("rm");
        try (HikariDataSource ds = SubscriberTestSupport.dataSource(stores)) {
            try {
                EventStore store = SubscriberTestSupport.eventStore(ds);
                LogPosition start = SubscriberTestSupport.logEnd(ds);
                TestProjector kept = new TestProjector(prefix + "kept", ds, start);
                TestProjector removed = new TestProjector(prefix + "removed", ds, start);
                SimpleMeterRegistry metrics = new SimpleMeterRegistry();
                try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                        lanes(kept, QUICK, removed, QUICK), SubscriberTestSupport.FAST, metrics)) {
                    subscriber.start();
                    append(store, prefix + "poison", true); // a stream of its own: nothing parks behind it
                    for (int i = 0; i < 10; i++) {
                        append(store, prefix + "s", false);
                    }
                    await().atMost(WAIT).untilAsserted(() -> {
                        assertThat(recorded(ds, removed.name(), prefix)).hasSize(10);
                        assertThat(recorded(ds, kept.name(), prefix)).hasSize(10);
                        assertThat(subscriber.deadLetters(removed.name(), null, null, 10)).hasSize(1);
                    });
                    assertThat(metersOf(metrics, removed.name())).isNotEmpty();

                    subscriber.replaceLanes(lanes(kept, QUICK));

                    assertThat(subscriber.status().lanes()).extracting(LaneStatus::name).containsExactly(kept.name());
                    assertThat(metersOf(metrics, removed.name())).as("every meter of the removed lane").isEmpty();
                    assertThat(metersOf(metrics, kept.name())).isNotEmpty();
                    assertThat(subscriber.deadLetters(removed.name(), null, null, 10))
                            .as("dead letters of a removed lane stay in the table").hasSize(1);
                    assertThat(subscriber.parked(removed.name(), prefix + "poison")).isFalse();
                    assertThatThrownBy(() -> subscriber.redrive(removed.name(), prefix + "s"))
                            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("No lane");
                    assertThatThrownBy(() -> subscriber.rebuild(removed.name()))
                            .isInstanceOf(IllegalArgumentException.class);

                    for (int i = 0; i < 10; i++) {
                        append(store, prefix + "s", false);
                    }
                    await().atMost(WAIT).until(() -> recorded(ds, kept.name(), prefix).size() == 20);
                    Thread.sleep(3 * SubscriberTestSupport.FAST.pollInterval().toMillis());
                    assertThat(recorded(ds, removed.name(), prefix)).as("a removed lane applies nothing more")
                            .hasSize(10);
                    assertThat(removed.checkpointReads).hasValue(1);

                    // The same name again (a new instance, as a reload makes): it resumes from its store's checkpoint,
                    // with fresh meters.
                    TestProjector again = new TestProjector(prefix + "removed", ds, start);
                    subscriber.replaceLanes(lanes(kept, QUICK, again, QUICK));
                    List<String> expected = committed(ds, prefix + "s");
                    await().atMost(WAIT).untilAsserted(() ->
                            assertThat(recorded(ds, again.name(), prefix)).containsExactlyElementsOf(expected));
                    assertThat(again.duplicateDeliveries()).isZero();
                    assertThat(metrics.get("projhub_events_applied").tag("lane", again.name()).counter().count())
                            .as("counted from zero by its new counter").isEqualTo(10);
                    await().atMost(WAIT).untilAsserted(() -> assertThat(
                            metrics.get("projhub_dead_letters").tag("lane", again.name()).gauge().value()).isEqualTo(1));
                    assertThat(subscriber.parked(again.name(), prefix + "poison")).as("its open dead letter").isTrue();
                    assertThat(kept.checkpointReads).as("the kept lane was not restarted").hasValue(1);
                    assertThat(recorded(ds, kept.name(), prefix)).containsExactlyElementsOf(expected);
                }
            } finally {
                cleanUp(ds, prefix);
            }
        }
    }

    /**
     * Writers append to several streams while lanes are added, removed and replaced beside a kept lane: the kept lane
     * applies every event once, in log order, and is never restarted; every lane that runs at the end has every
     * event of its span, once. API calls and the gauges are read all along.
     */
    @Test
    void aKeptLaneGetsEveryEventOnceAndInOrderWhileOthersAreAddedRemovedAndReplacedUnderConcurrentAppends(
            StoreEndpoints stores) throws Exception {
        String prefix = prefix("kept");
        try (HikariDataSource ds = SubscriberTestSupport.dataSource(stores)) {
            try {
                EventStore store = SubscriberTestSupport.eventStore(ds);
                LogPosition start = SubscriberTestSupport.logEnd(ds);
                TestProjector kept = new TestProjector(prefix + "kept", ds, start);
                TestProjector replaced = new TestProjector(prefix + "replaced", ds, start);
                SimpleMeterRegistry metrics = new SimpleMeterRegistry();
                ExecutorService pool = Executors.newFixedThreadPool(5);
                try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                        lanes(kept, LaneSettings.DEFAULTS.withBatchSize(7), replaced, QUICK),
                        SubscriberTestSupport.FAST, metrics)) {
                    subscriber.start();
                    AtomicBoolean writing = new AtomicBoolean(true);
                    List<Future<?>> writers = new ArrayList<>();
                    for (int w = 0; w < 3; w++) {
                        int writer = w;
                        writers.add(pool.submit(() -> {
                            for (int i = 0; i < 150; i++) {
                                append(store, prefix + "w" + writer + "-" + (i % 4), false);
                            }
                            return null;
                        }));
                    }
                    ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
                    Future<?> reader = pool.submit(() -> readAllTheTime(subscriber, metrics, kept.name(), prefix,
                            writing, unexpected));

                    Map<Projector, LaneSettings> current = new LinkedHashMap<>(lanes(kept, LaneSettings.DEFAULTS.withBatchSize(7)));
                    TestProjector lastReplaced = replaced;
                    List<TestProjector> extras = new ArrayList<>();
                    for (int round = 0; round < 8; round++) {
                        Thread.sleep(150);
                        // Each round: the "replaced" read model gets a new instance (a reloaded definition), an extra
                        // lane comes or goes.
                        TestProjector next = new TestProjector(prefix + "replaced", ds, start);
                        Map<Projector, LaneSettings> wanted = new LinkedHashMap<>(current);
                        wanted.put(next, QUICK);
                        if (round % 2 == 0) {
                            TestProjector extra = new TestProjector(prefix + "extra" + round, ds, start);
                            extras.add(extra);
                            wanted.put(extra, QUICK);
                        }
                        subscriber.replaceLanes(wanted);
                        assertThat(subscriber.status().lanes()).extracting(LaneStatus::name)
                                .containsExactlyElementsOf(wanted.keySet().stream().map(Projector::name).toList());
                        assertThat(lastReplaced.checkpointReads.get()).as("started at most once").isLessThanOrEqualTo(1);
                        lastReplaced = next;
                        current = new LinkedHashMap<>(lanes(kept, LaneSettings.DEFAULTS.withBatchSize(7)));
                    }
                    for (Future<?> w : writers) {
                        w.get(2, TimeUnit.MINUTES);
                    }
                    List<String> all = committed(ds, prefix);
                    assertThat(all).hasSize(450);
                    TestProjector finalReplaced = lastReplaced;
                    await().atMost(WAIT).untilAsserted(() -> {
                        assertThat(recorded(ds, kept.name(), prefix)).hasSameSizeAs(all);
                        assertThat(recorded(ds, finalReplaced.name(), prefix)).hasSameSizeAs(all);
                    });
                    writing.set(false);
                    reader.get(30, TimeUnit.SECONDS);
                    assertThat(unexpected).as("API calls and gauges during the replacements").isEmpty();

                    assertThat(new HashSet<>(recorded(ds, kept.name(), prefix))).isEqualTo(new HashSet<>(all));
                    assertThat(kept.duplicateDeliveries()).isZero();
                    assertInLogOrder(ds, kept.name(), prefix);
                    assertThat(kept.checkpointReads).as("the kept lane ran untouched").hasValue(1);
                    assertThat(lane(subscriber, kept.name()).streamGaps()).isZero();
                    assertThat(metrics.get("projhub_events_applied").tag("lane", kept.name()).counter().count())
                            .isGreaterThanOrEqualTo(450);

                    // The read model replaced eight times (same store, a new projector each time) lost nothing and
                    // applied nothing twice: each replacement waited for the one before it.
                    assertThat(new HashSet<>(recorded(ds, finalReplaced.name(), prefix))).isEqualTo(new HashSet<>(all));
                    assertInLogOrder(ds, finalReplaced.name(), prefix);
                    assertThat(finalReplaced.duplicateDeliveries()).isZero();
                    assertThat(subscriber.status().lanes()).extracting(LaneStatus::name)
                            .containsExactly(kept.name(), finalReplaced.name());
                    for (TestProjector extra : extras) {
                        assertThat(metersOf(metrics, extra.name())).as("meters of %s", extra.name()).isEmpty();
                        assertInLogOrder(ds, extra.name(), prefix);
                    }
                } finally {
                    pool.shutdownNow();
                }
            } finally {
                cleanUp(ds, prefix);
            }
        }
    }

    @Test
    void aProjectorReplacedUnderTheSameNameResumesFromTheNewProjectorsCheckpoint(StoreEndpoints stores)
            throws Exception {
        String prefix = prefix("repl");
        try (HikariDataSource ds = SubscriberTestSupport.dataSource(stores)) {
            try {
                EventStore store = SubscriberTestSupport.eventStore(ds);
                LogPosition start = SubscriberTestSupport.logEnd(ds);
                String laneName = prefix + "model";
                TestProjector v1 = new TestProjector(laneName, prefix + "v1", ds, start);
                SimpleMeterRegistry metrics = new SimpleMeterRegistry();
                try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                        lanes(v1, QUICK), SubscriberTestSupport.FAST, metrics)) {
                    subscriber.start();
                    List<AppendResult> appended = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        appended.add(append(store, prefix + "s" + (i % 2), false));
                    }
                    await().atMost(WAIT).until(() -> recorded(ds, prefix + "v1", prefix).size() == 20);

                    // The new definition writes another store, which has applied the first 5 events.
                    TestProjector v2 = new TestProjector(laneName, prefix + "v2", ds, start);
                    seedCheckpoint(ds, prefix + "v2", appended.get(4).position());
                    subscriber.replaceLanes(lanes(v2, QUICK));

                    List<String> all = committed(ds, prefix);
                    await().atMost(WAIT).untilAsserted(() ->
                            assertThat(recorded(ds, prefix + "v2", prefix)).containsExactlyElementsOf(all.subList(5, 20)));
                    assertThat(v2.checkpointReads).hasValue(1);
                    assertThat(v2.duplicateDeliveries()).isZero();
                    for (int i = 0; i < 5; i++) {
                        appended.add(append(store, prefix + "s" + (i % 2), false));
                    }
                    List<String> now = committed(ds, prefix);
                    await().atMost(WAIT).untilAsserted(() ->
                            assertThat(recorded(ds, prefix + "v2", prefix)).containsExactlyElementsOf(now.subList(5, 25)));
                    assertThat(recorded(ds, prefix + "v1", prefix)).as("the old projector gets nothing more")
                            .containsExactlyElementsOf(all);
                    assertThat(lane(subscriber, laneName).checkpoint().covers(appended.get(24).position())).isTrue();
                    assertThat(metersOf(metrics, laneName)).as("the name keeps its meters").isNotEmpty();
                    assertThat(metrics.get("projhub_lane_state").tag("lane", laneName).gauge().value())
                            .isLessThan(LaneState.STOPPED.ordinal());
                }
            } finally {
                cleanUp(ds, prefix);
            }
        }
    }

    /**
     * The lane replaced is in the middle of a batch its store is slow to write: the replacement does not read the
     * checkpoint, let alone write, until that batch is written and the old lane has stopped; the call returns then.
     */
    @Test
    void aReplacementWaitsForTheBatchInFlightOfTheLaneItReplaces(StoreEndpoints stores) throws Exception {
        String prefix = prefix("flight");
        try (HikariDataSource ds = SubscriberTestSupport.dataSource(stores)) {
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                EventStore store = SubscriberTestSupport.eventStore(ds);
                LogPosition start = SubscriberTestSupport.logEnd(ds);
                TestProjector v1 = new TestProjector(prefix + "model", ds, start);
                TestProjector v2 = new TestProjector(prefix + "model", ds, start);
                try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                        lanes(v1, QUICK))) {
                    subscriber.start();
                    for (int i = 0; i < 3; i++) {
                        append(store, prefix + "s", false);
                    }
                    await().atMost(WAIT).until(() -> recorded(ds, v1.name(), prefix).size() == 3);
                    v1.hold = new CountDownLatch(1);
                    store.append(prefix + "s", "lane-replacement", ExpectedVersion.ANY, List.of(
                            new NewEvent("LaneReplacementEvent", JsonNodeFactory.instance.objectNode().put("n", 4)),
                            new NewEvent("LaneReplacementEvent", JsonNodeFactory.instance.objectNode().put("n", 5))));
                    assertThat(v1.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

                    Future<?> replacing = pool.submit(() -> subscriber.replaceLanes(lanes(v2, QUICK)));
                    Thread.sleep(700);
                    assertThat(replacing.isDone()).as("waits for the lane it stops").isFalse();
                    assertThat(v2.checkpointReads).as("the replacement has not even read the checkpoint").hasValue(0);
                    assertThat(recorded(ds, v1.name(), prefix)).hasSize(3);

                    v1.hold.countDown();
                    replacing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    List<String> all = committed(ds, prefix);
                    assertThat(all).hasSize(5);
                    await().atMost(WAIT).untilAsserted(() -> {
                        assertThat(recorded(ds, v2.name(), prefix)).containsExactlyElementsOf(all);
                        assertThat(v2.checkpointReads).hasValue(1);
                    });
                    assertThat(v1.duplicateDeliveries()).isZero();
                    assertThat(v2.duplicateDeliveries()).as("it resumed after the batch the old lane wrote").isZero();
                    assertThat(lane(subscriber, v2.name()).appliedEvents()).as("the old lane wrote its batch").isZero();
                    append(store, prefix + "s", false);
                    await().atMost(WAIT).until(() -> recorded(ds, v2.name(), prefix).size() == 6);
                    assertThat(lane(subscriber, v2.name()).appliedEvents()).isEqualTo(1);
                }
            } finally {
                pool.shutdownNow();
                cleanUp(ds, prefix);
            }
        }
    }

    @Test
    void anInvalidBatchSizeOrTwoProjectorsOfOneNameAreRefusedAndChangeNothing(StoreEndpoints stores) throws Exception {
        String prefix = prefix("bad");
        try (HikariDataSource ds = SubscriberTestSupport.dataSource(stores)) {
            try {
                EventStore store = SubscriberTestSupport.eventStore(ds);
                LogPosition start = SubscriberTestSupport.logEnd(ds);
                TestProjector kept = new TestProjector(prefix + "kept", ds, start);
                TestProjector other = new TestProjector(prefix + "other", ds, start);
                TestProjector tooBigLane = new TestProjector(prefix + "too-big", ds, start);
                LaneSettings tooBig = LaneSettings.DEFAULTS.withBatchSize(PostgresEventStore.MAX_READ_ALL_LIMIT + 1);
                SimpleMeterRegistry metrics = new SimpleMeterRegistry();
                try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                        lanes(kept, QUICK, other, QUICK), SubscriberTestSupport.FAST, metrics)) {
                    subscriber.start();

                    assertThatThrownBy(() -> subscriber.replaceLanes(lanes(kept, QUICK, tooBigLane, tooBig)))
                            .isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("batch size 10001 of read model " + tooBigLane.name())
                            .hasMessageContaining("at most 10000");
                    assertThatThrownBy(() -> subscriber.replaceLanes(lanes(kept, QUICK,
                            new TestProjector(prefix + "kept", ds, start), QUICK)))
                            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Two projectors");

                    assertThat(subscriber.status().lanes()).extracting(LaneStatus::name)
                            .containsExactly(kept.name(), other.name());
                    assertThat(metersOf(metrics, tooBigLane.name())).isEmpty();
                    assertThat(metersOf(metrics, other.name())).isNotEmpty();
                    for (int i = 0; i < 5; i++) {
                        append(store, prefix + "s", false);
                    }
                    List<String> all = committed(ds, prefix);
                    await().atMost(WAIT).untilAsserted(() -> {
                        assertThat(recorded(ds, kept.name(), prefix)).containsExactlyElementsOf(all);
                        assertThat(recorded(ds, other.name(), prefix)).containsExactlyElementsOf(all);
                    });
                    assertThat(kept.checkpointReads).hasValue(1);
                    assertThat(other.checkpointReads).hasValue(1);
                    assertThat(tooBigLane.checkpointReads).hasValue(0);
                }
            } finally {
                cleanUp(ds, prefix);
            }
        }
    }

    @Test
    void beforeStartAReplacementOnlyChangesWhatStartRuns(StoreEndpoints stores) throws Exception {
        String prefix = prefix("pre");
        try (HikariDataSource ds = SubscriberTestSupport.dataSource(stores)) {
            try {
                EventStore store = SubscriberTestSupport.eventStore(ds);
                LogPosition start = SubscriberTestSupport.logEnd(ds);
                TestProjector dropped = new TestProjector(prefix + "dropped", ds, start);
                TestProjector wanted = new TestProjector(prefix + "wanted", ds, start);
                SimpleMeterRegistry metrics = new SimpleMeterRegistry();
                try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                        lanes(dropped, QUICK), SubscriberTestSupport.FAST, metrics)) {
                    subscriber.replaceLanes(lanes(wanted, QUICK));
                    assertThat(dropped.checkpointReads).as("nothing started").hasValue(0);
                    assertThat(wanted.checkpointReads).hasValue(0);
                    assertThat(subscriber.status().lanes()).extracting(LaneStatus::name).containsExactly(wanted.name());
                    assertThat(metersOf(metrics, dropped.name())).isEmpty();

                    subscriber.start();
                    for (int i = 0; i < 5; i++) {
                        append(store, prefix + "s", false);
                    }
                    List<String> all = committed(ds, prefix);
                    await().atMost(WAIT).untilAsserted(() ->
                            assertThat(recorded(ds, wanted.name(), prefix)).containsExactlyElementsOf(all));
                    assertThat(recorded(ds, dropped.name(), prefix)).isEmpty();
                    assertThat(dropped.checkpointReads).hasValue(0);

                    // Closed, replaced, started again: the new set runs.
                    subscriber.close();
                    TestProjector later = new TestProjector(prefix + "later", ds, start);
                    subscriber.replaceLanes(lanes(wanted, QUICK, later, QUICK));
                    subscriber.start();
                    append(store, prefix + "s", false);
                    List<String> now = committed(ds, prefix);
                    await().atMost(WAIT).untilAsserted(() -> {
                        assertThat(recorded(ds, wanted.name(), prefix)).containsExactlyElementsOf(now);
                        assertThat(recorded(ds, later.name(), prefix)).containsExactlyElementsOf(now);
                    });
                }
            } finally {
                cleanUp(ds, prefix);
            }
        }
    }

    /** Reads status, dead letters, parked flags and every gauge while lanes change; only "no such lane" is expected. */
    private static Void readAllTheTime(PollingProjectionSubscriber subscriber, SimpleMeterRegistry metrics,
                                       String keptLane, String prefix, AtomicBoolean going,
                                       ConcurrentLinkedQueue<Throwable> unexpected) {
        while (going.get()) {
            try {
                SubscriberStatus status = subscriber.status();
                assertThat(status.lanes()).extracting(LaneStatus::name).contains(keptLane);
                for (LaneStatus lane : status.lanes()) {
                    subscriber.parked(lane.name(), prefix + "w0-0");
                    try {
                        subscriber.redrive(lane.name(), prefix + "w0-0").exceptionally(e -> null);
                    } catch (IllegalArgumentException gone) {
                        // removed between status() and now
                    }
                }
                subscriber.deadLetters(keptLane, null, null, 5);
                for (Meter meter : metrics.getMeters()) {
                    meter.measure().forEach(m -> {
                        if (Double.isNaN(m.getValue()) && meter.getId().getName().startsWith("projhub_")
                                && !meter.getId().getName().equals("projhub_head_position")) {
                            unexpected.add(new AssertionError("NaN from " + meter.getId()));
                        }
                    });
                }
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return null;
            } catch (Throwable t) {
                unexpected.add(t);
            }
        }
        return null;
    }

    private static String prefix(String test) {
        return "lrep-" + test + "-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    }

    private static AppendResult append(EventStore store, String stream, boolean poison) {
        return store.append(stream, "lane-replacement", ExpectedVersion.ANY, List.of(new NewEvent(
                "LaneReplacementEvent", JsonNodeFactory.instance.objectNode().put("poison", poison))));
    }

    private static List<Meter> metersOf(SimpleMeterRegistry metrics, String lane) {
        return metrics.getMeters().stream().filter(m -> lane.equals(m.getId().getTag("lane"))).toList();
    }

    /** The store's checkpoint of a read model that has applied the log up to {@code at}. */
    private static void seedCheckpoint(DataSource ds, String storeKey, LogPosition at) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into test_checkpoints (lane, tx_id, position) values (?, ?, ?)")) {
            ps.setString(1, storeKey);
            ps.setLong(2, at.txId());
            ps.setLong(3, at.position());
            ps.executeUpdate();
        }
    }

    /** What a store recorded, in the order it was applied, is in the log's (transaction id, position) order. */
    private static void assertInLogOrder(DataSource ds, String storeKey, String prefix) throws SQLException {
        List<LogPosition> applied = new ArrayList<>();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select tx_id, position from test_recorded_events where lane = ? and stream_id like ? order by seq")) {
            ps.setString(1, storeKey);
            ps.setString(2, prefix + "%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    applied.add(new LogPosition(rs.getLong(1), rs.getLong(2)));
                }
            }
        }
        for (int i = 1; i < applied.size(); i++) {
            assertThat(applied.get(i)).as("%s: event %d after %s", storeKey, i, applied.get(i - 1))
                    .isGreaterThan(applied.get(i - 1));
        }
    }

    /** Removes this test's rows from the recording read models' tables and the dead-letter table (its lanes only). */
    private static void cleanUp(DataSource ds, String prefix) throws SQLException {
        try (Connection c = ds.getConnection()) {
            for (String table : List.of("test_recorded_events", "test_checkpoints", "test_skipped_versions",
                    "projection_dead_letters")) {
                try (PreparedStatement ps = c.prepareStatement("delete from " + table + " where lane like ?")) {
                    ps.setString(1, prefix + "%");
                    ps.executeUpdate();
                }
            }
        }
    }
}
