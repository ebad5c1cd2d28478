package io.projhub.core.projection;

import static io.projhub.core.projection.LaneIsolationTest.lane;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.internal.PollingProjectionSubscriber;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Issue 16: a lane writes a batch in parts at once for a projector that names its keys. The read model here is kept
 * in memory (it checks what the lane promises a projector; the stores' side is WrittenInPartsTest in projectors):
 * no two parts at once hold a stream or a key, each stream arrives in version order, the checkpoint is written only
 * once every part of its batch is; a part that fails for the store's reason is tried again at once, one that fails
 * for the event's makes the lane write the batch again, and nothing is lost or dead-lettered.
 */
@RealStores
class LanePartsTest {

    private static final Set<String> TYPES = Set.of("PartsEvent");
    private static final int STREAMS = 120;
    private static final int EVENTS_PER_STREAM = 10;

    /** A read model whose documents are named by the events' {@code doc}; two streams share each document. */
    static final class PartsProjector implements Projector {
        final String name;
        final Map<String, Long> versions = new ConcurrentHashMap<>();
        final Map<String, String> busy = new ConcurrentHashMap<>();
        final AtomicInteger partsInFlight = new AtomicInteger();
        final AtomicInteger partsWritten = new AtomicInteger();
        final Set<String> partThreads = ConcurrentHashMap.newKeySet();
        final List<String> violations = new CopyOnWriteArrayList<>();
        final AtomicInteger failures = new AtomicInteger();
        volatile String failOnceFor;
        /** A stream whose part fails once with the event's (permanent) failure: the batch is written again. */
        volatile String failPermanentlyOnceFor;
        volatile LogPosition checkpoint;

        PartsProjector(String name, LogPosition initial) {
            this.name = name;
            this.checkpoint = initial;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Set<String> eventTypes() {
            return TYPES;
        }

        @Override
        public LogPosition checkpoint() {
            return checkpoint;
        }

        @Override
        public PartKeys partKeys(RecordedEvent event) {
            return PartKeys.written(Set.of(event.data().get("doc").asString()));
        }

        @Override
        public void apply(EventBatch batch) throws Exception {
            if (!batch.isPart()) {
                if (partsInFlight.get() != 0) {
                    violations.add("a whole batch or checkpoint while a part is written");
                }
                applyEvents(batch.events());
                if (!batch.redelivery() && batch.checkpoint().compareTo(checkpoint) > 0) {
                    checkpoint = batch.checkpoint();
                }
                return;
            }
            partsInFlight.incrementAndGet();
            Set<String> held = new HashSet<>();
            try {
                for (RecordedEvent e : batch.events()) {
                    for (String key : List.of("stream:" + e.streamId(), "doc:" + e.data().get("doc").asString())) {
                        if (held.add(key) && busy.putIfAbsent(key, Thread.currentThread().getName()) != null) {
                            violations.add(key + " in two parts at once");
                        }
                    }
                }
                String failing = failOnceFor;
                if (failing != null && batch.events().stream().anyMatch(e -> e.streamId().equals(failing))) {
                    failOnceFor = null;
                    failures.incrementAndGet();
                    throw new UncheckedIOException(new IOException("the store blinked"));
                }
                String poisoned = failPermanentlyOnceFor;
                if (poisoned != null && batch.events().stream().anyMatch(e -> e.streamId().equals(poisoned))) {
                    failPermanentlyOnceFor = null;
                    failures.incrementAndGet();
                    throw new IllegalStateException("a bad value, this once");
                }
                Thread.sleep(2); // long enough for the parts to overlap
                applyEvents(batch.events());
                partsWritten.incrementAndGet();
                partThreads.add(Thread.currentThread().getName());
            } finally {
                held.forEach(busy::remove);
                partsInFlight.decrementAndGet();
            }
        }

        /** Idempotent, as a real projector: a version at or below the stream's is skipped; a gap is a violation. */
        private void applyEvents(List<RecordedEvent> events) {
            for (RecordedEvent e : events) {
                long before = versions.getOrDefault(e.streamId(), 0L);
                if (e.version() <= before) {
                    continue;
                }
                if (e.version() != before + 1) {
                    violations.add(e.streamId() + " got version " + e.version() + " after " + before);
                }
                versions.put(e.streamId(), e.version());
            }
        }
    }

    @Test
    void aBatchIsWrittenInPartsAtOnceWithoutSharingAStreamOrAKeyAndAFailedPartLosesNothing(StoreEndpoints stores)
            throws Exception {
        try (var ds = SubscriberTestSupport.dataSource(stores)) {
            writtenInParts(ds);
        }
    }

    private static void writtenInParts(DataSource ds) throws Exception {
        EventStore store = SubscriberTestSupport.eventStore(ds);
        String prefix = "parts-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        PartsProjector projector = new PartsProjector(prefix + "model", SubscriberTestSupport.logEnd(ds));
        projector.failOnceFor = prefix + "s7";
        projector.failPermanentlyOnceFor = prefix + "s9";
        for (int round = 0; round < 2; round++) {
            for (int s = 0; s < STREAMS; s++) {
                List<NewEvent> events = new ArrayList<>();
                for (int i = 0; i < EVENTS_PER_STREAM / 2; i++) {
                    events.add(new NewEvent("PartsEvent", JsonNodeFactory.instance.objectNode()
                            .put("doc", prefix + "doc-" + (s % (STREAMS / 2)))));
                }
                store.append(prefix + "s" + s, "parts", ExpectedVersion.ANY, events);
            }
        }
        LogPosition head = SubscriberTestSupport.logEnd(ds);
        LaneSettings settings = LaneSettings.DEFAULTS.withPartitions(4)
                .withRetry(Duration.ofMillis(50), 2.0, Duration.ofSeconds(1), 5);

        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                SubscriberTestSupport.lanes(projector, settings), SubscriberTestSupport.FAST, metrics)) {
            subscriber.start();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(projector.checkpoint()).isGreaterThanOrEqualTo(head);
                assertThat(projector.versions).hasSize(STREAMS);
            });
            assertThat(projector.versions.values()).containsOnly((long) EVENTS_PER_STREAM);
            assertThat(projector.violations).isEmpty();
            assertThat(projector.failures).hasValue(2);
            assertThat(lane(subscriber, projector.name()).retries())
                    .as("the transient one tried again in its part, the permanent one failing the batch, written again")
                    .isGreaterThanOrEqualTo(2);
            assertThat(projector.partsWritten.get()).isGreaterThanOrEqualTo(4);
            assertThat(projector.partThreads).as("parts on the lane's thread and on others")
                    .anyMatch(t -> t.startsWith("lane-" + projector.name() + "-part-"))
                    .anyMatch(t -> t.equals("lane-" + projector.name()));
            assertThat(metrics.get("projhub_batches_split").tag("lane", projector.name()).counter().count())
                    .isPositive();
            assertThat(subscriber.deadLetters(projector.name(), null, null, 10)).isEmpty();
        }
    }
}
