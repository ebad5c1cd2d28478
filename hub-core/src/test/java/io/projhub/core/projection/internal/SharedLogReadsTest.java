package io.projhub.core.projection.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import tools.jackson.databind.node.JsonNodeFactory;

/** The lanes' shared reads of the log, over a log held in a list: pure logic, no store. */
class SharedLogReadsTest {

    private final List<RecordedEvent> log = new ArrayList<>();
    private final AtomicInteger reads = new AtomicInteger();
    private volatile CountDownLatch slowRead;
    private volatile boolean failing;

    SharedLogReadsTest() {
        for (int i = 1; i <= 100; i++) {
            log.add(new RecordedEvent(i, 10 + i, "s" + (i % 7), "thing", 1 + i / 7, "ThingChanged", 1,
                    JsonNodeFactory.instance.objectNode(), EventMetadata.EMPTY, Instant.EPOCH.plusSeconds(i)));
        }
    }

    /** An event store whose only use here, readAll, reads the list and counts. */
    private EventStore logInAList() {
        return (EventStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {EventStore.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("readAll")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    reads.incrementAndGet();
                    CountDownLatch wait = slowRead;
                    if (wait != null) {
                        wait.await(5, TimeUnit.SECONDS);
                    }
                    if (failing) {
                        throw new IllegalStateException("PostgreSQL is down");
                    }
                    LogPosition after = (LogPosition) args[0];
                    int limit = (Integer) args[1];
                    return log.stream().filter(e -> e.logPosition().compareTo(after) > 0).limit(limit).toList();
                });
    }

    @Test
    void aFullReadServesEveryLaneThatAsksForItAndAShortOneIsReadAgain() {
        SharedLogReads shared = new SharedLogReads(logInAList(), 40);
        LogPosition start = LogPosition.START;

        List<RecordedEvent> first = shared.readAll(start, 10);
        assertThat(shared.readAll(start, 10)).isSameAs(first).hasSize(10);
        assertThat(reads).hasValue(1);
        assertThat(shared.readAll(start, 20)).as("another limit is another read").hasSize(20);
        assertThat(reads).hasValue(2);

        LogPosition nearTheHead = log.get(94).logPosition();
        assertThat(shared.readAll(nearTheHead, 10)).hasSize(5);
        assertThat(shared.readAll(nearTheHead, 10)).hasSize(5);
        assertThat(reads).as("a short read ends at the head, which moves: not kept").hasValue(4);
    }

    @Test
    void onlyTheLastReadsAreKeptUpToTheCapacityInEvents() {
        SharedLogReads shared = new SharedLogReads(logInAList(), 20);
        for (int batch = 0; batch < 3; batch++) {
            shared.readAll(batch == 0 ? LogPosition.START : log.get(batch * 10 - 1).logPosition(), 10);
        }
        shared.readAll(log.get(19).logPosition(), 10);
        assertThat(reads).hasValue(3);
        shared.readAll(LogPosition.START, 10);
        assertThat(reads).as("the first read was dropped").hasValue(4);
    }

    @Test
    void aLaneAskingWhileTheReadRunsGetsItAndAFailedReadIsNotKept() throws Exception {
        SharedLogReads shared = new SharedLogReads(logInAList(), 40);
        slowRead = new CountDownLatch(1);
        ExecutorService lanes = Executors.newFixedThreadPool(2);
        try {
            Future<List<RecordedEvent>> one = lanes.submit(() -> shared.readAll(LogPosition.START, 10));
            while (reads.get() == 0) {
                Thread.onSpinWait();
            }
            Future<List<RecordedEvent>> two = lanes.submit(() -> shared.readAll(LogPosition.START, 10));
            Thread.sleep(200); // most likely the second lane now waits for the first read (or takes it once done)
            slowRead.countDown();
            assertThat(two.get(5, TimeUnit.SECONDS)).isSameAs(one.get(5, TimeUnit.SECONDS));
            assertThat(reads).hasValue(1);
        } finally {
            lanes.shutdown();
            slowRead = null;
        }

        failing = true;
        LogPosition after = log.get(49).logPosition();
        assertThatThrownBy(() -> shared.readAll(after, 10)).hasMessageContaining("PostgreSQL is down");
        assertThat(reads).hasValue(2);
        failing = false;
        assertThat(shared.readAll(after, 10)).hasSize(10).first().extracting(RecordedEvent::position).isEqualTo(51L);
        assertThat(reads).as("the failed read was not kept: read again").hasValue(3);
    }
}
