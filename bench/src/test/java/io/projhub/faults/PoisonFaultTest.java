package io.projhub.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import io.projhub.bench.HubApi;
import io.projhub.bench.HubProcess;
import io.projhub.bench.OrderWorkload;
import io.projhub.bench.OrderWorkload.Append;
import io.projhub.bench.OrderWorkload.Totals;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import tools.jackson.databind.JsonNode;

/**
 * Poison events in the middle of a stream: events no read model can ever apply, written straight into the event
 * store's table as a buggy or hostile writer could (the hub's own append paths refuse them: the event store checks
 * that domain events bind, and the generic append API refuses domain event types). Each lane dead-letters the poison
 * event after its attempts, a DEAD_LETTERS alert fires for it, and the lane goes on projecting the events after it.
 */
@ExtendWith(FaultReport.Writer.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PoisonFaultTest {

    private static final int EVENTS = 2_000;

    private static FaultHarness harness;
    private static HubProcess hub;
    private static HubApi api;
    private static EventStore store;
    private static final List<List<Object>> poisons = new ArrayList<>();
    private final FaultReport report = FaultReport.of(PoisonFaultTest.class)
            .title("poison events in the middle of a stream");

    @BeforeAll
    static void startHub() throws Exception {
        harness = FaultHarness.open(PoisonFaultTest.class);
        hub = FaultHarness.build(harness.hub()
                .property("projhub.projection.poll-interval", "200ms")
                .property("projhub.projection.defaults.max-attempts", "3")
                .property("projhub.projection.defaults.initial-retry-interval", "100ms")
                .property("projhub.projection.defaults.max-retry-interval", "1s")
                .property("projhub.monitor.alerts.evaluation-interval", "1s"));
        long begin = System.nanoTime();
        hub.start(Duration.ofSeconds(120));
        FaultReport.of(PoisonFaultTest.class).figure("hub start", FaultReport.seconds(System.nanoTime() - begin))
                .figure("lane settings", "max-attempts 3, retries 100 ms → 1 s, on-poison DEAD_LETTER_AND_CONTINUE");
        api = hub.api();
        store = harness.stores().eventStore();
    }

    @AfterAll
    static void stopHub() {
        try {
            FaultReport.of(PoisonFaultTest.class).text("Per poison event (times from its insert; half of the "
                    + EVENTS + " valid events were appended before it, half right after it):").table(List.of(
                    "poison", "dead letters (lanes)", "all lanes dead-lettered it after", "DEAD_LETTERS alerts",
                    "alerts firing after (the keys are per lane: they may already fire)", "events after it",
                    "all lanes at the head after", "read models exact",
                    "replaying it (admin)", "error recorded (jdbc lane)"), poisons);
        } finally {
            if (hub != null) {
                hub.stop();
            }
            if (harness != null) {
                harness.close();
            }
        }
    }

    /** An OrderCreated at the current schema version whose data cannot be bound: every projector rejects it. */
    @Test
    @Order(1)
    void anUnbindableOrderCreatedIsDeadLetteredAndTheLanesGoOn() throws Exception {
        poison("unbindable OrderCreated (current schema)", "p1", OrderCreated.SCHEMA_VERSION,
                "{\"orderId\": \"%s\", \"customerId\": {\"not\": \"a string\"}, \"items\": \"not a list\", "
                        + "\"totalAmount\": \"lots\", \"currency\": 42}");
    }

    /**
     * An OrderCreated stored as schema version 1 whose data the v1 upcaster cannot read (an item price that is not a
     * number): events are upcast when the log is read, so this one must not stop the shared read of the log.
     */
    @Test
    @Order(2)
    void anOrderCreatedTheUpcasterCannotReadIsDeadLetteredAndTheLanesGoOn() throws Exception {
        poison("OrderCreated v1 that fails its upcast", "p2", 1,
                "{\"orderId\": \"%s\", \"customerId\": \"nobody\", \"items\": [{\"name\": \"x\", \"price\": \"abc\", "
                        + "\"quantity\": 1}]}");
    }

    private void poison(String name, String tag, int schemaVersion, String dataTemplate) throws Exception {
        String prefix = FaultHarness.prefix(tag);
        List<Append> appends = new OrderWorkload(prefix, 5).generate(EVENTS);
        Totals totals = OrderWorkload.totals(appends);
        int half = appends.size() / 2;
        OrderWorkload.appendAll(store, appends.subList(0, half), 2);

        String poisonStream = prefix + "poison-order";
        long insertedAt = System.nanoTime();
        try (Connection c = harness.stores().dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into events (stream_id, stream_type, version, event_type, schema_version, data) "
                        + "values (?, 'order', 1, 'OrderCreated', ?, ?::jsonb)")) {
            ps.setString(1, poisonStream);
            ps.setInt(2, schemaVersion);
            ps.setString(3, dataTemplate.formatted(poisonStream));
            ps.executeUpdate();
        }
        OrderWorkload.appendAll(store, appends.subList(half, appends.size()), 2);
        int after = appends.size() - half;

        // Every lane dead-letters it (all five read models handle OrderCreated).
        FaultHarness.awaitTrue("every lane dead-letters " + poisonStream, Duration.ofMinutes(2),
                () -> deadLetters(poisonStream).size() == 5);
        long deadLettered = System.nanoTime() - insertedAt;
        List<JsonNode> letters = deadLetters(poisonStream);
        FaultHarness.awaitTrue("DEAD_LETTERS alerts for every lane", Duration.ofMinutes(1),
                () -> deadLetterAlerts().size() == 5);
        long alerted = System.nanoTime() - insertedAt;
        // The lanes go on: every lane reaches the head, and holds exactly the valid events.
        LogPosition head = harness.logHead();
        FaultHarness.awaitCaughtUp(api, head, Duration.ofMinutes(3));
        long caughtUp = System.nanoTime() - insertedAt;
        Map<String, JsonNode> lanes = api.lanes();
        ReadModelCounts counts = ReadModelCounts.measure(harness, prefix, false);
        ReadModelCounts.Counts expected = new ReadModelCounts.Counts(totals.orders(), totals.shipped(),
                totals.cancelled());
        Map<String, ReadModelCounts.Counts> wrong = new LinkedHashMap<>();
        for (String model : ReadModelCounts.READ_MODELS) {
            if (!counts.of(model).equals(expected)) {
                wrong.put(model, counts.of(model));
            }
        }
        JsonNode jdbcLetter = letters.stream().filter(l -> l.path("lane").asString().equals("order-details")).findFirst()
                .orElse(letters.get(0));
        HubApi.Response replay = api.adminPost("/api/admin/dead-letters/" + jdbcLetter.path("id").asLong() + "/replay");
        String error = jdbcLetter.path("error").asString();
        poisons.add(List.of(name, letters.stream().map(l -> l.path("lane").asString() + " (" + l.path("attempts").asInt()
                        + " attempts)").sorted().toList(), FaultReport.seconds(deadLettered),
                deadLetterAlerts().stream().map(a -> a.path("key").asString()).sorted().toList(),
                FaultReport.seconds(alerted), after, FaultReport.seconds(caughtUp),
                wrong.isEmpty() ? "yes (" + expected + ")" : "NO: " + wrong, replay.status() + " (still PENDING: "
                        + deadLetters(poisonStream).stream().allMatch(l -> l.path("status").asString().equals("PENDING"))
                        + ")", error.length() > 160 ? error.substring(0, 160) + "…" : error));

        assertThat(letters).extracting(l -> l.path("lane").asString())
                .containsExactlyInAnyOrderElementsOf(ReadModelCounts.READ_MODELS);
        assertThat(letters).allSatisfy(l -> {
            assertThat(l.path("eventType").asString()).isEqualTo("OrderCreated");
            assertThat(l.path("status").asString()).isEqualTo("PENDING");
        });
        assertThat(deadLetterAlerts()).extracting(a -> a.path("readModel").asString())
                .containsExactlyInAnyOrderElementsOf(ReadModelCounts.READ_MODELS);
        for (JsonNode lane : lanes.values()) {
            assertThat(lane.path("state").asString()).as(lane.path("name").asString()).isIn("LIVE", "CATCHING_UP");
        }
        assertThat(wrong).as("read models that differ from the valid events").isEmpty();
        assertThat(replay.status()).as("replaying a poison event: refused again, never a 500").isNotEqualTo(500)
                .isGreaterThanOrEqualTo(400);
        assertThat(api.get("/actuator/health").status()).isEqualTo(200);
    }

    private static List<JsonNode> deadLetters(String streamId) {
        List<JsonNode> letters = new ArrayList<>();
        api.get("/api/dead-letters?limit=1000").json().forEach(l -> {
            if (l.path("streamId").asString().equals(streamId)) {
                letters.add(l);
            }
        });
        return letters;
    }

    private static List<JsonNode> deadLetterAlerts() {
        return FaultHarness.firingAlerts(api).stream().filter(a -> a.path("kind").asString().equals("DEAD_LETTERS"))
                .toList();
    }
}
