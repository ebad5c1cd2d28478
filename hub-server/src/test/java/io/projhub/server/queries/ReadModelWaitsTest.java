package io.projhub.server.queries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.ReadModelProbe;

/** Pure logic of the waits (an in-memory probe): bounded, one probe round for all waiters, one shared refresh. */
class ReadModelWaitsTest {

    /** A read model whose checkpoint the test moves, counting how often it is asked. */
    static final class MovableProbe implements ReadModelProbe {
        final AtomicReference<LogPosition> at = new AtomicReference<>(new LogPosition(1, 10));
        final AtomicInteger asked = new AtomicInteger();

        @Override
        public String name() {
            return "movable";
        }

        @Override
        public LogPosition checkpoint() {
            asked.incrementAndGet();
            return at.get();
        }

        @Override
        public long appliedVersion(String streamId) {
            return 0;
        }
    }

    @Test
    void oneProbeRoundServesEveryWaiterAndTheyShareOneRefresh() {
        MovableProbe probe = new MovableProbe();
        AtomicInteger refreshes = new AtomicInteger();
        try (ReadModelWaits waits = new ReadModelWaits(Map.of("movable", probe),
                Map.of("movable", refreshes::incrementAndGet), 100)) {
            List<CompletableFuture<LogPosition>> waiting = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                waiting.add(waits.await("movable", new LogPosition(1, 20 + i % 5)));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> probe.asked.get() >= 3);
            assertThat(waiting).noneMatch(CompletableFuture::isDone);
            int refreshesBefore = refreshes.get();

            probe.at.set(new LogPosition(1, 30));
            await().atMost(Duration.ofSeconds(5)).until(() -> waiting.stream().allMatch(CompletableFuture::isDone));

            assertThat(waiting).allSatisfy(w -> assertThat(w.join()).isEqualTo(new LogPosition(1, 30)));
            assertThat(refreshes.get() - refreshesBefore).as("one refresh for the 50 waiters").isEqualTo(1);
            assertThat(probe.asked.get()).as("probe rounds, not one probe per waiter and poll")
                    .isLessThan(50 * 3);
            assertThat(waits.waiting()).isZero();
        }
    }

    @Test
    void beyondTheBoundARequestIsAnsweredAtOnceAndACancelledWaitFreesItsSlot() {
        MovableProbe probe = new MovableProbe();
        try (ReadModelWaits waits = new ReadModelWaits(Map.of("movable", probe), Map.of(), 2)) {
            CompletableFuture<LogPosition> first = waits.await("movable", new LogPosition(1, 99));
            CompletableFuture<LogPosition> second = waits.await("movable", new LogPosition(1, 99));
            CompletableFuture<LogPosition> third = waits.await("movable", new LogPosition(1, 99));

            assertThat(third).isCompletedWithValue(null);
            assertThat(first).isNotDone();
            waits.cancel(first);
            assertThat(waits.waiting()).isEqualTo(1);
            assertThat(waits.await("movable", new LogPosition(1, 99))).isNotDone();
            assertThat(second).isNotDone();
        }
    }
}
