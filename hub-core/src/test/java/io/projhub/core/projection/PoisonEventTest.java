package io.projhub.core.projection;

import static io.projhub.core.projection.SubscriberTestSupport.recorded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
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

    private static void append(EventStore store, String stream, int from, int to, int poison) {
        for (int v = from; v <= to; v++) {
            store.append(stream, "poison", ExpectedVersion.ANY, List.of(new NewEvent("PoisonTestEvent",
                    JsonNodeFactory.instance.objectNode().put("poison", v == poison).put("v", v))));
        }
    }

    /**
     * Regression (issue 14): the later events of a stream with a dead letter used to be applied, so the store held
     * the stream's later state without the failed event and a replay of it was a no-op behind the version guard.
     * Now they are parked behind it, other streams go on, and a replay applies the chain in order.
     */
    @Test
    void theLaterEventsOfAStreamAreParkedBehindItsDeadLetterAndAReplayAppliesTheChainInOrder(StoreEndpoints stores)
            throws Exception {
        DataSource ds = SubscriberTestSupport.dataSource(stores);
        EventStore store = SubscriberTestSupport.eventStore(ds);
        String prefix = "poison-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        PoisonSensitiveProjector projector = new PoisonSensitiveProjector(prefix + "lane", ds, SubscriberTestSupport.logEnd(ds));

        try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                SubscriberTestSupport.lanes(projector, QUICK))) {
            subscriber.start();
            String stream = prefix + "s";
            String other = prefix + "t";
            append(store, stream, 1, 9, 4);
            append(store, other, 1, 3, 0);

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(recorded(ds, projector.name(), prefix)).contains(other + "@3"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(LaneIsolationTest.lane(subscriber, projector.name()).deadLetters()).isEqualTo(6));
            assertThat(recorded(ds, projector.name(), prefix)).as("nothing of the stream after its dead letter")
                    .containsExactly(stream + "@1", stream + "@2", stream + "@3", other + "@1", other + "@2", other + "@3");
            List<DeadLetter> chain = subscriber.deadLetters(projector.name(), stream, null, 20);
            assertThat(chain).extracting(DeadLetter::version).containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
            DeadLetter head = chain.get(0);
            assertThat(head.status()).isEqualTo(DeadLetter.PENDING);
            assertThat(head.attempts()).isGreaterThanOrEqualTo(3);
            assertThat(head.error()).contains("cannot map a poison event");
            assertThat(head.stackTrace()).contains("PoisonSensitiveProjector");
            assertThat(chain.subList(1, chain.size())).allSatisfy(parked -> {
                assertThat(parked.status()).isEqualTo(DeadLetter.PARKED);
                assertThat(parked.parkedBehind()).isEqualTo(head.id());
            });
            assertThat(subscriber.parked(projector.name(), stream)).isTrue();
            assertThat(subscriber.parked(projector.name(), other)).isFalse();
            assertThat(LaneIsolationTest.lane(subscriber, projector.name()).parkedStreams()).isEqualTo(1);

            // A parked one cannot be replayed on its own; the head can, once fixed.
            assertThatThrownBy(() -> subscriber.replayDeadLetter(chain.get(2).id()).get())
                    .hasCauseInstanceOf(DeadLetterConflictException.class).hasMessageContaining("parked behind");
            projector.fixed = true;
            DeadLetter replayed = subscriber.replayDeadLetter(head.id()).get();

            assertThat(replayed.status()).isEqualTo(DeadLetter.REPLAYED);
            assertThat(subscriber.deadLetters(projector.name(), stream, null, 20)).extracting(DeadLetter::status)
                    .containsOnly(DeadLetter.REPLAYED);
            assertThat(recorded(ds, projector.name(), prefix).stream().filter(e -> e.startsWith(stream)).toList())
                    .containsExactly(stream + "@1", stream + "@2", stream + "@3", stream + "@4", stream + "@5",
                            stream + "@6", stream + "@7", stream + "@8", stream + "@9");
            assertThat(subscriber.parked(projector.name(), stream)).isFalse();
            // Later events of the stream are applied directly again.
            append(store, stream, 10, 10, 0);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(recorded(ds, projector.name(), prefix)).contains(stream + "@10"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(LaneIsolationTest.lane(subscriber, projector.name()).deadLetters()).isZero());
            assertThatThrownBy(() -> subscriber.replayDeadLetter(head.id()).get())
                    .hasCauseInstanceOf(DeadLetterConflictException.class).hasMessageContaining("already REPLAYED");
        }
    }

    @Test
    void skippingTheHeadRecordsItsVersionAndReleasesTheParkedEventsAndAParkedOneThatFailsBecomesTheNewHead(
            StoreEndpoints stores) throws Exception {
        DataSource ds = SubscriberTestSupport.dataSource(stores);
        EventStore store = SubscriberTestSupport.eventStore(ds);
        String prefix = "poison-skip-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        PoisonSensitiveProjector projector = new PoisonSensitiveProjector(prefix + "lane", ds, SubscriberTestSupport.logEnd(ds));

        try (PollingProjectionSubscriber subscriber = SubscriberTestSupport.subscriber(ds, store,
                SubscriberTestSupport.lanes(projector, QUICK))) {
            subscriber.start();
            String stream = prefix + "s";
            append(store, stream, 1, 2, 2);     // v2 poison
            append(store, stream, 3, 4, 4);     // v4 poison too, parked behind v2
            append(store, stream, 5, 5, 0);

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(subscriber.deadLetters(projector.name(), stream, null, 20)).hasSize(4));
            List<DeadLetter> chain = subscriber.deadLetters(projector.name(), stream, null, 20);
            assertThat(chain).extracting(DeadLetter::status).containsExactly(DeadLetter.PENDING, DeadLetter.PARKED,
                    DeadLetter.PARKED, DeadLetter.PARKED);

            DeadLetter skipped = subscriber.skipDeadLetter(chain.get(0).id(), "bad import, corrected by hand", "ops").get();

            assertThat(skipped.status()).isEqualTo(DeadLetter.SKIPPED);
            assertThat(skipped.resolution()).isEqualTo("bad import, corrected by hand");
            assertThat(skipped.resolvedBy()).isEqualTo("ops");
            assertThat(skippedVersions(ds, projector.name(), stream)).containsExactly(2L);
            // v3 is applied; v4 fails again and becomes the head of what is left; v5 stays parked behind it.
            assertThat(recorded(ds, projector.name(), prefix)).containsExactly(stream + "@1", stream + "@3");
            List<DeadLetter> rest = subscriber.deadLetters(projector.name(), stream, null, 20);
            assertThat(rest).extracting(DeadLetter::version, DeadLetter::status).containsExactly(
                    tuple(2L, DeadLetter.SKIPPED), tuple(3L, DeadLetter.REPLAYED), tuple(4L, DeadLetter.PENDING),
                    tuple(5L, DeadLetter.PARKED));
            assertThat(rest.get(3).parkedBehind()).isEqualTo(rest.get(2).id());
            assertThat(subscriber.parked(projector.name(), stream)).isTrue();

            // Skipping needs the head; a reason-less skip is the API's to refuse.
            assertThatThrownBy(() -> subscriber.skipDeadLetter(rest.get(3).id(), "x", "ops").get())
                    .hasCauseInstanceOf(DeadLetterConflictException.class);
            DeadLetter second = subscriber.skipDeadLetter(rest.get(2).id(), "second bad one", "ops").get();
            assertThat(second.status()).isEqualTo(DeadLetter.SKIPPED);
            assertThat(recorded(ds, projector.name(), prefix)).containsExactly(stream + "@1", stream + "@3",
                    stream + "@5");
            assertThat(skippedVersions(ds, projector.name(), stream)).containsExactly(2L, 4L);
            assertThat(subscriber.parked(projector.name(), stream)).isFalse();
            // A re-drive of the stream leaves the skipped events out (they still cannot be mapped).
            subscriber.redrive(projector.name(), stream).get();
            assertThat(recorded(ds, projector.name(), prefix)).containsExactly(stream + "@1", stream + "@3",
                    stream + "@5");
        }
    }

    private static List<Long> skippedVersions(DataSource ds, String lane, String stream) throws Exception {
        try (var c = ds.getConnection(); var ps = c.prepareStatement(
                "select version from test_skipped_versions where lane = ? and stream_id = ? order by version")) {
            ps.setString(1, lane);
            ps.setString(2, stream);
            List<Long> versions = new java.util.ArrayList<>();
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.add(rs.getLong(1));
                }
            }
            return versions;
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
            assertThat(subscriber.deadLetters(projector.name(), null, DeadLetter.PENDING, 10)).hasSize(1);
        }
    }
}
