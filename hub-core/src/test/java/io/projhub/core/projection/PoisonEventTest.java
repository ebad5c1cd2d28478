package io.projhub.core.projection;

import static io.projhub.core.projection.SubscriberTestSupport.recorded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.projection.internal.PollingProjectionSubscriber;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import tools.jackson.databind.node.JsonNodeFactory;

@RealStores
class PoisonEventTest {

    private static final Set<String> TYPES = Set.of("PoisonTestEvent");

    /** Throws for every event marked poison, until it is "fixed". */
    static final class PoisonSensitiveProjector extends RecordingProjector {
        volatile boolean fixed;

        PoisonSensitiveProjector(String name, DataSource ds, LogPosition initial) {
            super(name, ds, initial, TYPES);
        }

        @Override
        protected void beforeApply(EventBatch batch) {
            if (!fixed && batch.events().stream().anyMatch(e -> e.data().path("poison").asBoolean(false))) {
                throw new IllegalArgumentException("cannot map a poison event");
            }
        }
    }

    private static final LaneSettings QUICK = LaneSettings.DEFAULTS.withRetry(Duration.ofMillis(20), 1.5, Duration.ofMillis(100), 3);

    @Test
    void aPoisonEventIsDeadLetteredAfterItsAttemptsTheLaneMovesOnAndAReplayAfterTheFixAppliesItOnce(
            StoreEndpoints stores) throws Exception {
        DataSource ds = SubscriberTestSupport.dataSource(stores);
        EventStore store = SubscriberTestSupport.eventStore(ds);
        String prefix = "poison-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        PoisonSensitiveProjector projector = new PoisonSensitiveProjector(prefix + "lane", ds, SubscriberTestSupport.logEnd(ds));

        try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                SubscriberTestSupport.lanes(projector, QUICK))) {
            subscriber.start();
            String stream = prefix + "s";
            for (int v = 1; v <= 9; v++) {
                store.append(stream, "poison", ExpectedVersion.ANY, List.of(new NewEvent("PoisonTestEvent",
                        JsonNodeFactory.instance.objectNode().put("poison", v == 4).put("v", v))));
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> recorded(ds, projector.name(), prefix).size() == 8);
            List<DeadLetter> letters = subscriber.deadLetters(projector.name(), DeadLetter.PENDING, 10);
            assertThat(letters).hasSize(1);
            DeadLetter letter = letters.get(0);
            assertThat(letter.streamId()).isEqualTo(stream);
            assertThat(letter.version()).isEqualTo(4);
            assertThat(letter.attempts()).isGreaterThanOrEqualTo(3);
            assertThat(letter.error()).contains("cannot map a poison event");
            assertThat(letter.stackTrace()).contains("PoisonSensitiveProjector");
            assertThat(recorded(ds, projector.name(), prefix)).doesNotContain(stream + "@4").contains(stream + "@9");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(LaneIsolationTest.lane(subscriber, projector.name()).deadLetters()).isEqualTo(1));

            projector.fixed = true;
            DeadLetter replayed = subscriber.replayDeadLetter(letter.id()).get();

            assertThat(replayed.status()).isEqualTo(DeadLetter.REPLAYED);
            assertThat(recorded(ds, projector.name(), prefix).stream().filter(e -> e.equals(stream + "@4"))).hasSize(1);
            assertThat(recorded(ds, projector.name(), prefix)).hasSize(9);
            // Replaying again (or re-driving the stream) writes nothing twice.
            subscriber.redrive(projector.name(), stream).get();
            assertThat(recorded(ds, projector.name(), prefix)).hasSize(9);
        }
    }

    @Test
    void aLaneConfiguredToStopOnPoisonStopsBeforeThePoisonEvent(StoreEndpoints stores) throws Exception {
        DataSource ds = SubscriberTestSupport.dataSource(stores);
        EventStore store = SubscriberTestSupport.eventStore(ds);
        String prefix = "poison-stop-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        PoisonSensitiveProjector projector = new PoisonSensitiveProjector(prefix + "lane", ds, SubscriberTestSupport.logEnd(ds));

        try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                SubscriberTestSupport.lanes(projector, QUICK.withOnPoison(PoisonPolicy.STOP)))) {
            subscriber.start();
            String stream = prefix + "s";
            for (int v = 1; v <= 5; v++) {
                store.append(stream, "poison", ExpectedVersion.ANY, List.of(new NewEvent("PoisonTestEvent",
                        JsonNodeFactory.instance.objectNode().put("poison", v == 3))));
            }

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(LaneIsolationTest.lane(subscriber, projector.name()).state()).isEqualTo(LaneState.STOPPED));
            assertThat(recorded(ds, projector.name(), prefix)).containsExactly(stream + "@1", stream + "@2");
            assertThat(subscriber.deadLetters(projector.name(), DeadLetter.PENDING, 10)).hasSize(1);
        }
    }
}
