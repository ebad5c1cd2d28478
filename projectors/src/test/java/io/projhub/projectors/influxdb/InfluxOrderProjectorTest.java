package io.projhub.projectors.influxdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.domain.InfluxQLQuery;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.exceptions.InfluxException;
import com.influxdb.query.InfluxQLQueryResult;

import okhttp3.MediaType;
import okhttp3.ResponseBody;
import retrofit2.Response;

import io.projhub.projectors.testing.CannedHttpServer;
import io.projhub.projectors.testing.CannedHttpServer.Reply;
import io.projhub.projectors.testing.OrderEventLog;
import io.projhub.projectors.testing.Resequenced;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

@RealStores
class InfluxOrderProjectorTest {

    // Within the probe's horizon: it looks for a stream's points in the last 90 days only.
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(10))
            .plus(Duration.parse("PT10H0.123456S"));
    private static final Map<String, List<String>> FIELDS = Map.of(
            "order_lifecycle", List.of("amount", "duration_ms", "order_id", "stream_version"),
            "account_flow", List.of("account_id", "amount", "stream_version"));

    private final String namespace = "t" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final String ada = "order-" + UUID.randomUUID();
    private final String bob = "order-" + UUID.randomUUID();
    private final String cyd = "order-" + UUID.randomUUID();
    private final String acc = "account-" + UUID.randomUUID();
    private StoreEndpoints stores;
    private InfluxDBClient influx;

    @BeforeEach
    void connect(StoreEndpoints stores) {
        this.stores = stores;
        influx = InfluxConnector.connect(stores.influxUrl(), stores.influxToken(), stores.influxOrg(),
                stores.influxBucket());
    }

    @AfterEach
    void cleanUp() {
        try {
            influx.getInfluxQLQueryApi().queryJSON(new InfluxQLQuery("""
                    DROP MEASUREMENT "%1$sorder_lifecycle"; DROP MEASUREMENT "%1$saccount_flow";
                    DROP MEASUREMENT "%1$sskipped_versions";
                    DROP SERIES FROM "projhub_checkpoint" WHERE "projector" = '%1$sinfluxdb'
                    """.formatted(namespace), stores.influxBucket()));
        } finally {
            influx.close();
        }
    }

    private InfluxOrderProjector projector() {
        return new InfluxOrderProjector(influx, stores.influxOrg(), stores.influxBucket(), namespace);
    }

    private InfluxProbe probe() {
        return new InfluxProbe(influx, stores.influxBucket(), namespace);
    }

    /** Ada's order created then shipped, Bob's created then cancelled, Cyd's created; an account with two flows. */
    private OrderEventLog history() {
        OrderEventLog log = new OrderEventLog(101);
        log.created(ada, "customer-ada", "Ada Lovelace", "EUR", "120.50", T0, "Analytical Engine");
        log.opened(acc, "100.00", "EUR", T0);
        log.created(bob, "customer-bob", "Bob Babbage", "USD", "15.00", T0.plusSeconds(60), "Difference Engine");
        log.shipped(ada, "DHL Express, Inc=1", "TRACK-1", T0.plusSeconds(3600), 3_600_000);
        log.deposited(acc, "50.25", "EUR", "150.25", T0.plusSeconds(10));
        // Same millisecond, same series as Ada's creation: must not overwrite it.
        log.created(cyd, "customer-cyd", "Cyd", "EUR", "9.99", T0, "Shoes");
        log.cancelled(bob, "changed mind", T0.plusSeconds(7260).plusMillis(5));
        log.withdrawn(acc, "20", "EUR", "130.25", T0.plusSeconds(20));
        return log;
    }

    /**
     * Every point of the namespace's measurements, one entry per point and field:
     * {@code measurement{tags}@nanos field=value}. One field per statement: the client cannot read JSON nulls.
     */
    private Set<String> points() {
        Set<String> points = new TreeSet<>();
        FIELDS.forEach((measurement, fields) -> {
            for (String field : fields) {
                InfluxQLQueryResult result = influx.getInfluxQLQueryApi().queryJSON(new InfluxQLQuery(
                        "SELECT \"%s\" FROM \"%s%s\" GROUP BY *".formatted(field, namespace, measurement),
                        stores.influxBucket()).setPrecision(InfluxQLQuery.InfluxQLPrecision.NANOSECONDS));
                for (InfluxQLQueryResult.Result r : result.getResults()) {
                    for (InfluxQLQueryResult.Series s : r.getSeries()) {
                        String tags = new TreeMap<>(s.getTags()).entrySet().stream()
                                .filter(t -> !t.getValue().isEmpty())
                                .map(t -> t.getKey() + "=" + t.getValue()).collect(Collectors.joining(","));
                        for (InfluxQLQueryResult.Series.Record row : s.getValues()) {
                            points.add(measurement + "{" + tags + "}@" + row.getValueByKey("time") + " " + field
                                    + "=" + row.getValueByKey(field));
                        }
                    }
                }
            }
        });
        return points;
    }

    private static long ns(Instant eventTime, RecordedEvent e) {
        return eventTime.toEpochMilli() * 1_000_000 + e.position() % 1_000_000;
    }

    @Test
    void applyingABatchWritesExactlyOnePointPerEventWithDeterministicTimestamps() throws Exception {
        OrderEventLog log = history();
        List<RecordedEvent> e = log.events();

        projector().apply(new EventBatch(e, log.head()));

        String created = "order_lifecycle{currency=%s,status=CREATED}@%d ";
        String flow = "account_flow{currency=EUR,kind=%s}@%d ";
        long adaAt = ns(T0, e.get(0));
        long bobAt = ns(T0.plusSeconds(60), e.get(2));
        long shippedAt = ns(T0.plusSeconds(3600), e.get(3));
        long cydAt = ns(T0, e.get(5));
        long cancelledAt = ns(T0.plusSeconds(7260).plusMillis(5), e.get(6));
        long openedAt = ns(T0, e.get(1));
        long depositAt = ns(T0.plusSeconds(10), e.get(4));
        long withdrawalAt = ns(T0.plusSeconds(20), e.get(7));
        assertThat(points()).containsExactlyInAnyOrder(
                created.formatted("EUR", adaAt) + "amount=120.5",
                created.formatted("EUR", adaAt) + "order_id=" + ada,
                created.formatted("EUR", adaAt) + "stream_version=1",
                created.formatted("USD", bobAt) + "amount=15",
                created.formatted("USD", bobAt) + "order_id=" + bob,
                created.formatted("USD", bobAt) + "stream_version=1",
                created.formatted("EUR", cydAt) + "amount=9.99",
                created.formatted("EUR", cydAt) + "order_id=" + cyd,
                created.formatted("EUR", cydAt) + "stream_version=1",
                "order_lifecycle{carrier=DHL Express, Inc=1,status=SHIPPED}@" + shippedAt + " duration_ms=3600000",
                "order_lifecycle{carrier=DHL Express, Inc=1,status=SHIPPED}@" + shippedAt + " order_id=" + ada,
                "order_lifecycle{carrier=DHL Express, Inc=1,status=SHIPPED}@" + shippedAt + " stream_version=2",
                // Cancelled 2h01m00.005s after creation, the creation being in the same batch.
                "order_lifecycle{status=CANCELLED}@" + cancelledAt + " duration_ms=7200005",
                "order_lifecycle{status=CANCELLED}@" + cancelledAt + " order_id=" + bob,
                "order_lifecycle{status=CANCELLED}@" + cancelledAt + " stream_version=2",
                flow.formatted("opened", openedAt) + "amount=100",
                flow.formatted("opened", openedAt) + "account_id=" + acc,
                flow.formatted("opened", openedAt) + "stream_version=1",
                flow.formatted("deposit", depositAt) + "amount=50.25",
                flow.formatted("deposit", depositAt) + "account_id=" + acc,
                flow.formatted("deposit", depositAt) + "stream_version=2",
                flow.formatted("withdrawal", withdrawalAt) + "amount=20",
                flow.formatted("withdrawal", withdrawalAt) + "account_id=" + acc,
                flow.formatted("withdrawal", withdrawalAt) + "stream_version=3");
        assertThat(probe().checkpoint()).isEqualTo(log.head());
    }

    @Test
    void applyingTheSameBatchTwiceLeavesExactlyThePointsOfOnce() throws Exception {
        OrderEventLog log = history();
        EventBatch batch = new EventBatch(log.events(), log.head());
        InfluxOrderProjector projector = projector();
        projector.apply(batch);
        Set<String> once = points();

        projector.apply(batch);

        assertThat(points()).hasSize(24).isEqualTo(once);
    }

    @Test
    void replayingTheWholeLogFromTheStartLeavesExactlyThePointsOfOnePass() throws Exception {
        OrderEventLog log = history();
        List<RecordedEvent> events = log.events();
        // First pass in small batches: Bob's cancellation finds his creation in the store, not in its batch.
        InfluxOrderProjector first = projector();
        for (int i = 0; i < events.size(); i += 3) {
            List<RecordedEvent> part = events.subList(i, Math.min(i + 3, events.size()));
            first.apply(new EventBatch(part, part.get(part.size() - 1).logPosition()));
        }
        Set<String> onePass = points();

        InfluxOrderProjector restarted = projector();
        assertThat(restarted.checkpoint()).isEqualTo(log.head());
        restarted.apply(new EventBatch(events, log.head(), false));
        assertThat(points()).isEqualTo(onePass);
        restarted.apply(new EventBatch(events, log.head(), true));
        assertThat(points()).isEqualTo(onePass);
        assertThat(onePass).contains("order_lifecycle{status=CANCELLED}@"
                + ns(T0.plusSeconds(7260).plusMillis(5), events.get(6)) + " duration_ms=7200005");
    }

    @Test
    void anOlderEventDoesNotOverwriteNewerData() throws Exception {
        OrderEventLog log = history();
        List<RecordedEvent> events = log.events();
        InfluxOrderProjector projector = projector();
        projector.apply(new EventBatch(events, log.head()));
        Set<String> newer = points();

        // Ada's OrderCreated again, after her OrderShipped: it rewrites only its own point, identically.
        projector.apply(new EventBatch(List.of(events.get(0)), log.head(), true));
        projector.apply(new EventBatch(List.of(events.get(0)), log.head(), false));

        assertThat(points()).isEqualTo(newer);
        assertThat(probe().appliedVersion(ada)).isEqualTo(2);
    }

    @Test
    void checkpointIsStartWhenEmptyThenTheBatchCheckpointAlsoForANewInstance() throws Exception {
        assertThat(projector().checkpoint()).isEqualTo(LogPosition.START);
        assertThat(probe().checkpoint()).isEqualTo(LogPosition.START);
        OrderEventLog log = history();
        LogPosition pastTheEvents = new LogPosition(log.head().txId() + 5, log.head().position() + 5);

        projector().apply(new EventBatch(log.events(), pastTheEvents));

        assertThat(projector().checkpoint()).isEqualTo(pastTheEvents);
        assertThat(probe().checkpoint()).isEqualTo(pastTheEvents);

        // An empty batch only moves the checkpoint; a redelivery never moves it.
        LogPosition later = new LogPosition(pastTheEvents.txId() + 1, pastTheEvents.position() + 1);
        projector().apply(new EventBatch(List.of(), later));
        projector().apply(new EventBatch(log.events(), LogPosition.START, true));
        assertThat(probe().checkpoint()).isEqualTo(later);
    }

    @Test
    void anOverwrittenCheckpointMovesBackAndTheEventsAfterItApplyAgainLeavingThePointsAsTheyWere() throws Exception {
        OrderEventLog log = history();
        List<RecordedEvent> events = log.events();
        InfluxOrderProjector projector = projector();
        projector.apply(new EventBatch(events, log.head()));
        Set<String> once = points();

        LogPosition lower = events.get(2).logPosition();
        projector.overwriteCheckpoint(lower);
        assertThat(projector().checkpoint()).isEqualTo(lower);
        assertThat(probe().checkpoint()).isEqualTo(lower);
        assertThat(points()).as("the points stay as they are").isEqualTo(once);

        projector.apply(new EventBatch(events.subList(3, events.size()), log.head()));
        assertThat(points()).isEqualTo(once);
        assertThat(probe().checkpoint()).isEqualTo(log.head());

        // As after the log's re-sequencing: every event at the same low tx id, below the checkpoint the store holds.
        List<RecordedEvent> resequenced = Resequenced.events(events);
        LogPosition last = Resequenced.position(events.get(events.size() - 1));
        projector.overwriteCheckpoint(Resequenced.position(events.get(2)));
        assertThat(probe().checkpoint()).isEqualTo(Resequenced.position(events.get(2)));
        projector.apply(new EventBatch(resequenced.subList(3, events.size()), last));
        assertThat(points()).isEqualTo(once);
        assertThat(probe().checkpoint()).isEqualTo(last);

        projector.overwriteCheckpoint(LogPosition.START);
        assertThat(projector.checkpoint()).isEqualTo(LogPosition.START);
        assertThat(probe().checkpoint()).isEqualTo(LogPosition.START);
        RecordedEvent next = Resequenced.events(List.of(log.cancelled(cyd, "late", T0.plusSeconds(600)))).get(0);
        projector.apply(new EventBatch(List.of(next), next.logPosition()));
        assertThat(probe().checkpoint()).isEqualTo(next.logPosition());
        assertThat(probe().appliedVersion(cyd)).isEqualTo(2);
        assertThat(points()).containsAll(once).hasSize(once.size() + 3);
    }

    @Test
    void theCheckpointAndSkippedVersionsOlderVersionsWroteAreStillRead() throws Exception {
        // Before the records moved to a time no retention reaches: the checkpoint at time 0, skips at their version.
        influx.getWriteApiBlocking().writeRecords(stores.influxBucket(), stores.influxOrg(), WritePrecision.NS, List.of(
                "projhub_checkpoint,projector=%sinfluxdb tx_id=5000i,position=50i 0".formatted(namespace),
                "%sskipped_versions,stream=%s stream_version=4i 4".formatted(namespace, ada)));
        assertThat(probe().checkpoint()).isEqualTo(new LogPosition(5000, 50));
        assertThat(projector().checkpoint()).isEqualTo(new LogPosition(5000, 50));
        assertThat(probe().appliedVersion(ada)).isEqualTo(4);

        // Once written where it now lives, the checkpoint is read from there, even when lower.
        projector().overwriteCheckpoint(new LogPosition(1, 7));
        assertThat(probe().checkpoint()).isEqualTo(new LogPosition(1, 7));
        projector().recordSkipped(ada, 3);
        assertThat(probe().appliedVersion(ada)).isEqualTo(4);
        projector().recordSkipped(ada, 6);
        assertThat(probe().appliedVersion(ada)).isEqualTo(6);
    }

    @Test
    void probeReadsTheAppliedVersionOfOrderAndAccountStreams() throws Exception {
        InfluxProbe probe = probe();
        assertThat(probe.appliedVersion(ada)).isZero();
        OrderEventLog log = history();
        List<RecordedEvent> events = log.events();

        projector().apply(new EventBatch(events.subList(0, 5), events.get(4).logPosition()));

        assertThat(probe.name()).isEqualTo("influxdb");
        assertThat(probe.appliedVersion(ada)).isEqualTo(2);
        assertThat(probe.appliedVersion(bob)).isEqualTo(1);
        assertThat(probe.appliedVersion(cyd)).isZero();
        assertThat(probe.appliedVersion(acc)).isEqualTo(2);
        assertThatThrownBy(() -> probe.appliedVersion("x' OR '1'='1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("streamId");
    }

    @Test
    void aCancellationWhoseCreationIsBeyondTheLookbackHasNoDuration() throws Exception {
        OrderEventLog log = new OrderEventLog(1);
        RecordedEvent created = log.created(ada, "customer-ada", "Ada", "EUR", "1.00", T0, "Thing");
        RecordedEvent late = log.cancelled(ada, "late", T0.plus(Duration.ofDays(3)));
        RecordedEvent createdBob = log.created(bob, "customer-bob", "Bob", "EUR", "2.00", T0.plusSeconds(1), "Thing");
        RecordedEvent soon = log.cancelled(bob, "soon", T0.plus(Duration.ofDays(1)));
        InfluxOrderProjector projector = new InfluxOrderProjector(influx, stores.influxOrg(), stores.influxBucket(),
                namespace, Duration.ofDays(2));

        projector.apply(new EventBatch(List.of(created, createdBob), createdBob.logPosition()));
        projector.apply(new EventBatch(List.of(late, soon), soon.logPosition()));

        assertThat(points()).filteredOn(p -> p.contains("duration_ms")).containsExactly(
                "order_lifecycle{status=CANCELLED}@" + ns(T0.plus(Duration.ofDays(1)), soon) + " duration_ms="
                        + (Duration.ofDays(1).toMillis() - 1000));
        assertThat(points()).filteredOn(p -> p.contains("CANCELLED") && p.contains("order_id")).hasSize(2);
    }

    @Test
    void aSkippedVersionIsRecordedOutsideTheSeriesAndTheStreamsLaterVersionsApply() throws Exception {
        OrderEventLog log = new OrderEventLog(1);
        log.created(ada, "customer-ada", "Ada", "EUR", "1.00", T0, "Thing");
        RecordedEvent shipped = log.shipped(ada, "UPS", "T-9", T0.plusSeconds(5), 5000);
        InfluxOrderProjector projector = projector();

        projector.recordSkipped(ada, 1);

        assertThat(probe().appliedVersion(ada)).isEqualTo(1);
        assertThat(points()).as("no point in the lifecycle or flow series").isEmpty();

        // The chain parked behind the skipped event is released as a redelivery.
        projector.apply(new EventBatch(List.of(shipped), log.head(), true));

        assertThat(probe().appliedVersion(ada)).isEqualTo(2);
        assertThat(points()).hasSize(3).allMatch(p -> p.startsWith("order_lifecycle{carrier=UPS,status=SHIPPED}"));
        projector.recordSkipped(ada, 1);
        assertThat(probe().appliedVersion(ada)).as("a lower skipped version never lowers it").isEqualTo(2);
        projector.recordSkipped(ada, 4);
        assertThat(probe().appliedVersion(ada)).isEqualTo(4);
    }

    @Test
    void aResetForgetsTheSkippedVersions() {
        InfluxOrderProjector projector = projector();
        projector.recordSkipped(ada, 4);

        projector.reset();

        assertThat(probe().appliedVersion(ada)).isZero();
    }

    // Classification. Real server errors: a missing database (404: the store's set-up, transient), a field type
    // conflict (400: the data, permanent), and the unreachable server below. Answered by a stand-in server
    // (CannedHttpServer) and turned into exceptions by the real client: 500, 503 and 429, which the shared server
    // here cannot be driven to.

    @Test
    void aMissingDatabaseIsTransientAndAPointOfTheWrongTypePermanent() {
        OrderEventLog log = history();
        InfluxOrderProjector missing = new InfluxOrderProjector(influx, stores.influxOrg(),
                "projhub_missing_" + UUID.randomUUID().toString().substring(0, 8), namespace);
        Throwable notFound = catchFailure(() -> missing.apply(new EventBatch(log.events(), log.head())));
        assertThat(notFound).isInstanceOfSatisfying(InfluxException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThat(missing.classify(notFound)).isEqualTo(FailureKind.TRANSIENT);

        // A string amount in the same shard first: the projector's float amounts then conflict with it.
        influx.getWriteApiBlocking().writeRecord(stores.influxBucket(), stores.influxOrg(), WritePrecision.NS,
                "%sorder_lifecycle,status=CREATED amount=\"text\" %d".formatted(namespace, T0.toEpochMilli() * 1_000_000));
        InfluxOrderProjector projector = projector();
        Throwable conflict = catchFailure(() -> projector.apply(new EventBatch(log.events(), log.head())));
        assertThat(conflict).isInstanceOfSatisfying(InfluxException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.getMessage()).contains("field type conflict");
        });
        assertThat(projector.classify(conflict)).isEqualTo(FailureKind.PERMANENT);
    }

    @Test
    void aServerFailingOrOverloadedIsTransient() {
        assertThat(classifyAnswer(500, "{\"code\":\"internal error\",\"message\":\"timeout\"}"))
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(classifyAnswer(503, "{\"code\":\"unavailable\",\"message\":\"service unavailable\"}"))
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(classifyAnswer(429, "{\"code\":\"too many requests\",\"message\":\"write limit reached\"}"))
                .isEqualTo(FailureKind.TRANSIENT);
    }

    /** How the projector classifies its failure when the server answers its write with {@code status}. */
    private FailureKind classifyAnswer(int status, String body) {
        try (CannedHttpServer server = CannedHttpServer.start(
                exchange -> new Reply(status, Map.of("Content-Type", "application/json"), body));
             InfluxDBClient standIn = InfluxConnector.connect(server.url(), "token", stores.influxOrg(),
                     stores.influxBucket())) {
            InfluxOrderProjector projector = new InfluxOrderProjector(standIn, stores.influxOrg(), stores.influxBucket(),
                    namespace);
            OrderEventLog log = history();
            Throwable failure = catchFailure(() -> projector.apply(new EventBatch(log.events(), log.head())));
            assertThat(failure).isInstanceOfSatisfying(InfluxException.class,
                    e -> assertThat(e.status()).isEqualTo(status));
            return projector.classify(failure);
        }
    }

    private static Throwable catchFailure(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void anUnreachableServerIsATransientFailure() {
        try (InfluxDBClient nowhere = InfluxConnector.connect("http://127.0.0.1:1", "t", "o", "b")) {
            InfluxOrderProjector unreachable = new InfluxOrderProjector(nowhere, "o", "b", namespace);
            OrderEventLog log = history();
            assertThatThrownBy(() -> unreachable.apply(new EventBatch(log.events(), log.head())))
                    .satisfies(e -> assertThat(unreachable.classify(e)).isEqualTo(FailureKind.TRANSIENT));
        }
    }

    @Test
    void aRejectedPointIsPermanentAndAnUnavailableOrMissingDatabaseTransient() {
        InfluxOrderProjector projector = projector();
        assertThat(projector.classify(new RuntimeException(status(400, "partial write: field type conflict"))))
                .isEqualTo(FailureKind.PERMANENT);
        assertThat(projector.classify(status(503, "overloaded"))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(projector.classify(status(404, "database not found: projhub"))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(projector.classify(new IllegalArgumentException("Event order-1@1 does not bind")))
                .isEqualTo(FailureKind.PERMANENT);
    }

    private static InfluxException status(int code, String message) {
        return new InfluxException(Response.error(code, ResponseBody.create("{\"error\":\"" + message + "\"}",
                MediaType.get("application/json"))));
    }
}
