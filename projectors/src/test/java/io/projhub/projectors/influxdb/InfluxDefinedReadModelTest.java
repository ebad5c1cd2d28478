package io.projhub.projectors.influxdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.domain.InfluxQLQuery;
import com.influxdb.query.InfluxQLQueryResult;

import io.projhub.core.domain.account.AccountCreated;
import io.projhub.core.domain.account.MoneyDeposited;
import io.projhub.core.domain.account.MoneyWithdrawn;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.Projector;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.FieldSpec;
import io.projhub.definitions.FieldType;
import io.projhub.definitions.ReadModelDefinition;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.definitions.StoreKind;
import io.projhub.definitions.Target;
import io.projhub.definitions.changes.Change;
import io.projhub.definitions.changes.DocumentChange;
import io.projhub.definitions.changes.FieldOp;
import io.projhub.definitions.changes.PointChange;
import io.projhub.projectors.testing.EventLog;
import io.projhub.projectors.testing.TestDatabase;
import io.projhub.projectors.testing.TestPrograms;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import tools.jackson.databind.JsonNode;

/**
 * The generic InfluxDB writer of definition files, against the real InfluxDB: a hand-built program of account flows
 * (one point per account event, tags kind/currency/customer, typed fields) in a random namespace of the test bucket.
 */
@RealStores
class InfluxDefinedReadModelTest {

    /** Recent enough for "the last N hours" queries, whole seconds so buckets are easy to reason about. */
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(2));
    private static final String HASH = "sha256:flows-1";

    private final String namespace = "d" + UUID.randomUUID().toString().substring(0, 8) + "_";
    /** Two accounts of one customer feed one series key; the third is another customer's. */
    private final Map<String, String> customerOf = Map.of("account-1", "cust-1", "account-2", "cust-1",
            "account-3", "cust-2");
    private StoreEndpoints stores;
    private InfluxDBClient influx;
    private final List<InfluxDefinedReadModel> made = new ArrayList<>();

    @BeforeEach
    void connect(StoreEndpoints stores) {
        this.stores = stores;
        influx = InfluxConnector.connect(stores.influxUrl(), stores.influxToken(), stores.influxOrg(),
                stores.influxBucket());
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            for (InfluxDefinedReadModel model : made) {
                model.drop();
            }
        } finally {
            influx.close();
        }
    }

    // The program ---------------------------------------------------------------------------------------------

    private static Map<String, FieldSpec> fields() {
        Map<String, FieldSpec> fields = new LinkedHashMap<>();
        fields.put("kind", FieldSpec.of("kind", FieldType.KEYWORD));
        fields.put("currency", FieldSpec.of("currency", FieldType.KEYWORD));
        fields.put("customer", FieldSpec.of("customer", FieldType.KEYWORD));
        fields.put("amount", FieldSpec.of("amount", FieldType.DECIMAL));
        fields.put("balance", FieldSpec.of("balance", FieldType.DECIMAL));
        fields.put("deposits", FieldSpec.of("deposits", FieldType.LONG));
        fields.put("share", FieldSpec.of("share", FieldType.DOUBLE));
        fields.put("large", FieldSpec.of("large", FieldType.BOOLEAN));
        fields.put("source", FieldSpec.of("source", FieldType.TEXT));
        fields.put("booked_at", FieldSpec.of("booked_at", FieldType.TIMESTAMP));
        return fields;
    }

    private static ReadModelDefinition definition(String name, String measurement, int version) {
        return new ReadModelDefinition(name, StoreKind.INFLUXDB, version, "account flows",
                new Target(null, null, null, measurement, null, null), fields(), "test/" + name + ".yaml");
    }

    private ReadModelProgram flows(String name, String measurement) {
        return TestPrograms.of(definition(name, measurement, 1), HASH, Map.of(
                "AccountCreated", e -> List.of(point(e, "opened", "initialBalance", "initialBalance", "openedAt", 0)),
                "MoneyDeposited", e -> List.of(point(e, "deposit", "amount", "balanceAfter", "depositedAt", 1)),
                "MoneyWithdrawn", e -> List.of(point(e, "withdrawal", "amount", "balanceAfter", "withdrawnAt", 0))));
    }

    private PointChange point(RecordedEvent e, String kind, String amountField, String balanceField,
                              String timeField, long deposits) {
        JsonNode d = e.data();
        BigDecimal amount = d.get(amountField).decimalValue().setScale(2);
        BigDecimal balance = d.get(balanceField).decimalValue().setScale(2);
        Instant time = Instant.parse(d.get(timeField).asString());
        Map<String, Object> fields = new HashMap<>();
        fields.put("amount", kind.equals("withdrawal") ? amount.negate() : amount);
        fields.put("balance", balance);
        fields.put("deposits", deposits);
        fields.put("large", amount.compareTo(new BigDecimal("1000")) >= 0);
        fields.put("booked_at", time);
        if (balance.signum() != 0) {
            fields.put("share", amount.doubleValue() / balance.doubleValue());
        }
        if (d.has("source")) {
            fields.put("source", d.get("source").asString());
        }
        return new PointChange(Map.of("kind", kind, "currency", d.get("currency").asString(),
                "customer", customerOf.get(e.streamId())), fields, time);
    }

    private InfluxDefinedReadModel model(ReadModelProgram program) {
        return model(program, stores.influxBucket());
    }

    private InfluxDefinedReadModel model(ReadModelProgram program, String bucket) {
        InfluxDefinedReadModel model = new InfluxDefinedReadModel(influx, stores.influxOrg(), bucket, namespace,
                program, TestDatabase.of(stores), TestDatabase.SCHEMA);
        made.add(model);
        return model;
    }

    private InfluxDefinedReadModel flowsModel() {
        return model(flows("account_flows", "account_flows"));
    }

    // Events --------------------------------------------------------------------------------------------------

    private static RecordedEvent opened(EventLog log, String account, String balance, Instant at) {
        return log.append("account", account, new AccountCreated(account, new BigDecimal(balance), "EUR", at));
    }

    private static RecordedEvent deposited(EventLog log, String account, String amount, String after, Instant at) {
        return log.append("account", account, new MoneyDeposited(account, new BigDecimal(amount), "EUR", "salary",
                new BigDecimal(after), at));
    }

    private static RecordedEvent withdrawn(EventLog log, String account, String amount, String after, Instant at) {
        return log.append("account", account, new MoneyWithdrawn(account, new BigDecimal(amount), "EUR", "rent",
                new BigDecimal(after), at));
    }

    /** account-1 opened, two deposits, a withdrawal; account-2 (same customer) opened and a deposit. */
    private static EventLog history() {
        EventLog log = new EventLog();
        opened(log, "account-1", "100.00", T0);
        deposited(log, "account-1", "0.10", "100.10", T0.plusSeconds(60));
        opened(log, "account-2", "0.00", T0.plusSeconds(61));
        deposited(log, "account-1", "0.20", "100.30", T0.plusSeconds(120));
        deposited(log, "account-2", "1000.05", "1000.05", T0.plusSeconds(120)); // same second, other stream
        withdrawn(log, "account-1", "30.30", "70.00", T0.plusSeconds(180));
        return log;
    }

    private static EventBatch batch(List<RecordedEvent> events) {
        return new EventBatch(events, events.get(events.size() - 1).logPosition());
    }

    // Raw reads -----------------------------------------------------------------------------------------------

    /** Every point and field of {@code measurement}: {@code {tags}@nanos field=value}. */
    private Set<String> points(String measurement) {
        Set<String> points = new TreeSet<>();
        for (String field : fieldKeys(measurement).keySet()) {
            InfluxQLQueryResult result = influx.getInfluxQLQueryApi().queryJSON(new InfluxQLQuery(
                    "SELECT \"%s\" FROM \"%s\" GROUP BY *".formatted(field, measurement), stores.influxBucket())
                    .setPrecision(InfluxQLQuery.InfluxQLPrecision.NANOSECONDS));
            for (InfluxQLQueryResult.Series s : InfluxQL.series(result)) {
                String tags = new TreeMap<>(s.getTags()).entrySet().stream().filter(t -> !t.getValue().isEmpty())
                        .map(t -> t.getKey() + "=" + t.getValue()).collect(Collectors.joining(","));
                for (InfluxQLQueryResult.Series.Record row : s.getValues()) {
                    points.add("{" + tags + "}@" + row.getValueByKey("time") + " " + field + "="
                            + row.getValueByKey(field));
                }
            }
        }
        return points;
    }

    /** Field key → InfluxDB type (integer, float, string, boolean). */
    private Map<String, String> fieldKeys(String measurement) {
        Map<String, String> keys = new TreeMap<>();
        InfluxQLQueryResult result = influx.getInfluxQLQueryApi().queryJSON(new InfluxQLQuery(
                "SHOW FIELD KEYS FROM \"%s\"".formatted(measurement), stores.influxBucket()));
        for (InfluxQLQueryResult.Series s : InfluxQL.series(result)) {
            for (InfluxQLQueryResult.Series.Record row : s.getValues()) {
                keys.put(String.valueOf(row.getValueByKey("fieldKey")), String.valueOf(row.getValueByKey("fieldType")));
            }
        }
        return keys;
    }

    private Set<String> measurements() {
        Set<String> names = new TreeSet<>();
        InfluxQLQueryResult result = influx.getInfluxQLQueryApi().queryJSON(new InfluxQLQuery(
                "SHOW MEASUREMENTS WITH MEASUREMENT =~ /^%s/".formatted(namespace), stores.influxBucket()));
        for (InfluxQLQueryResult.Series s : InfluxQL.series(result)) {
            for (InfluxQLQueryResult.Series.Record row : s.getValues()) {
                names.add(String.valueOf(row.getValueByKey("name")));
            }
        }
        return names;
    }

    private static BigDecimal decimal(String text) {
        return new BigDecimal(text);
    }

    // Tests ---------------------------------------------------------------------------------------------------

    @Test
    void aBatchWritesOnePointPerEventTypedAsDeclaredWithTheHubsTimestamps() throws Exception {
        InfluxDefinedReadModel model = flowsModel();
        EventLog log = history();
        List<RecordedEvent> events = log.events();

        model.projector().apply(batch(events));

        assertThat(model.measurement()).isEqualTo(namespace + "account_flows_v1");
        assertThat(fieldKeys(model.measurement())).containsExactlyInAnyOrderEntriesOf(Map.of(
                "amount", "integer", "balance", "integer", "deposits", "integer", "share", "float",
                "large", "boolean", "source", "string", "booked_at", "string"));
        Set<String> points = points(model.measurement());
        assertThat(points).filteredOn(p -> p.contains(" amount=")).hasSize(6);
        // The deposit of 0.10 at T0+60s is event 2: 10 minor units at the millisecond plus position nanoseconds.
        long nanos = T0.plusSeconds(60).toEpochMilli() * 1_000_000 + events.get(1).position();
        assertThat(points).contains("{currency=EUR,customer=cust-1,kind=deposit}@" + nanos + " amount=10",
                "{currency=EUR,customer=cust-1,kind=withdrawal}@"
                        + (T0.plusSeconds(180).toEpochMilli() * 1_000_000 + events.get(5).position()) + " amount=-3030");
        assertThat(model.probe().checkpoint()).isEqualTo(log.head());
        assertThat(model.probe().appliedVersion("account-1")).isEqualTo(4);
        assertThat(model.probe().appliedVersion("account-2")).isEqualTo(2);
        assertThat(model.probe().appliedVersion("account-9")).isZero();
        assertThat(model.probe().name()).isEqualTo("account_flows");
        assertThat(model.projector().name()).isEqualTo("account_flows");
        assertThat(model.projector().eventTypes())
                .containsExactlyInAnyOrder("AccountCreated", "MoneyDeposited", "MoneyWithdrawn");
    }

    @Test
    void applyingTheSameBatchAgainChangesNothing() throws Exception {
        InfluxDefinedReadModel model = flowsModel();
        EventLog log = history();
        EventBatch batch = batch(log.events());
        model.projector().apply(batch);
        Set<String> once = points(model.measurement());
        long recorded = model.probe().appliedVersion("account-1");

        model.projector().apply(batch);
        model.projector().apply(new EventBatch(log.events(), log.head(), true));
        // Even with the version records lost (a crash after the points), the replay writes the same points.
        try (java.sql.Connection c = TestDatabase.of(stores).getConnection();
             java.sql.Statement s = c.createStatement()) {
            s.execute("drop table " + model.versionsTable());
        }
        model.projector().apply(batch);

        assertThat(points(model.measurement())).isEqualTo(once);
        assertThat(model.probe().appliedVersion("account-1")).isEqualTo(recorded).isPositive();
        assertThat(model.series(SeriesQuery.last(Duration.ofDays(1), "amount", "sum")).buckets())
                .singleElement().satisfies(b -> assertThat(b.value()).isEqualTo(decimal("1070.05")));
    }

    @Test
    void aRedeliveryOfOlderEventsChangesNothingAndNeverMovesTheCheckpointBack() throws Exception {
        InfluxDefinedReadModel model = flowsModel();
        EventLog log = history();
        List<RecordedEvent> events = log.events();
        model.projector().apply(batch(events));
        Set<String> before = points(model.measurement());

        // The same stream versions, but data that would write other values if they were applied again.
        EventLog other = new EventLog();
        opened(other, "account-1", "999.00", T0);
        deposited(other, "account-1", "9.99", "1008.99", T0.plusSeconds(60));
        model.projector().apply(new EventBatch(other.events(), LogPosition.START, true));
        // Also as an ordinary batch (a replay after a crash): versions at or below the recorded one are skipped.
        model.projector().apply(new EventBatch(other.events(), log.head()));

        assertThat(points(model.measurement())).isEqualTo(before);
        assertThat(model.probe().checkpoint()).isEqualTo(log.head());
        assertThat(model.probe().appliedVersion("account-1")).isEqualTo(4);
    }

    @Test
    void twoStreamsFeedingOneSeriesBothCount() throws Exception {
        InfluxDefinedReadModel model = flowsModel();
        EventLog log = new EventLog();
        Instant sameMillisecond = T0.plusSeconds(30);
        deposited(log, "account-1", "5.00", "5.00", sameMillisecond);
        deposited(log, "account-2", "7.00", "7.00", sameMillisecond);
        deposited(log, "account-3", "100.00", "100.00", sameMillisecond);

        model.projector().apply(batch(log.events()));

        List<SeriesResult.Bucket> byCustomer = model.series(SeriesQuery.last(Duration.ofDays(1), "amount", "sum")
                .groupBy("customer").where("kind", "deposit")).buckets();
        assertThat(byCustomer).extracting(SeriesResult.Bucket::group, SeriesResult.Bucket::value)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("cust-1", decimal("12.00")),
                        org.assertj.core.groups.Tuple.tuple("cust-2", decimal("100.00")));
        assertThat(model.series(SeriesQuery.last(Duration.ofDays(1), "deposits", "sum").groupBy("customer"))
                .buckets()).extracting(SeriesResult.Bucket::value).containsExactly(2L, 1L);
        // The later of the two (by position) is the series' latest point.
        assertThat(model.document("currency=EUR,customer=cust-1,kind=deposit", 1)).get()
                .satisfies(doc -> assertThat(doc.get("amount")).isEqualTo(decimal("7.00")));
    }

    @Test
    void decimalsAreStoredAsMinorUnitsAndSumExactly() throws Exception {
        InfluxDefinedReadModel model = flowsModel();
        EventLog log = new EventLog();
        deposited(log, "account-1", "0.10", "0.10", T0.plusSeconds(1));
        deposited(log, "account-1", "0.20", "0.30", T0.plusSeconds(2));
        deposited(log, "account-3", "1000000000000.00", "1000000000000.00", T0.plusSeconds(3));
        deposited(log, "account-3", "0.01", "1000000000000.01", T0.plusSeconds(4));

        model.projector().apply(batch(log.events()));

        Map<String, Number> sums = new TreeMap<>();
        model.series(SeriesQuery.last(Duration.ofDays(1), "amount", "sum").groupBy("customer")).buckets()
                .forEach(b -> sums.put(b.group(), b.value()));
        assertThat(sums).containsExactly(Map.entry("cust-1", decimal("0.30")),
                Map.entry("cust-2", decimal("1000000000000.01")));
        assertThat(model.series(SeriesQuery.last(Duration.ofDays(1), "balance", "max").groupBy("customer"))
                .buckets()).extracting(SeriesResult.Bucket::value)
                .containsExactly(decimal("0.30"), decimal("1000000000000.01"));
        assertThat(model.series(SeriesQuery.last(Duration.ofDays(1), "amount", "mean").where("customer", "cust-1"))
                .buckets()).singleElement().satisfies(b -> assertThat(b.value()).isEqualTo(decimal("0.15000000")));
        assertThat(points(model.measurement())).filteredOn(p -> p.contains(" balance="))
                .anyMatch(p -> p.endsWith(" balance=100000000000001"));
        assertThat(model.document("currency=EUR,customer=cust-2,kind=deposit", 1)).get()
                .satisfies(doc -> assertThat(doc.get("balance")).isEqualTo(decimal("1000000000000.01")));
    }

    @Test
    void theCheckpointAndHashAreStoredAndReadBackByAFreshInstance() throws Exception {
        InfluxDefinedReadModel model = flowsModel();
        assertThat(model.projector().checkpoint()).isEqualTo(LogPosition.START);
        assertThat(model.storedHash()).isEmpty();
        EventLog log = history();
        LogPosition beyond = new LogPosition(log.head().txId() + 3, log.head().position() + 3);

        model.projector().apply(new EventBatch(log.events(), beyond));

        InfluxDefinedReadModel fresh = flowsModel();
        assertThat(fresh.projector().checkpoint()).isEqualTo(beyond);
        assertThat(fresh.probe().checkpoint()).isEqualTo(beyond);
        assertThat(fresh.storedHash()).contains(HASH);

        // An empty batch moves it on; a redelivery never moves it; an overwrite moves it, even back.
        LogPosition later = new LogPosition(beyond.txId() + 1, beyond.position() + 1);
        fresh.projector().apply(new EventBatch(List.of(), later));
        fresh.projector().apply(new EventBatch(log.events(), LogPosition.START, true));
        assertThat(model.probe().checkpoint()).isEqualTo(later);
        fresh.projector().overwriteCheckpoint(new LogPosition(1, 1));
        assertThat(model.probe().checkpoint()).isEqualTo(new LogPosition(1, 1));
        assertThat(model.storedHash()).contains(HASH);
    }

    @Test
    void aSkippedVersionIsRecordedWithoutDataNeverLoweredAndItsEventIsNotApplied() throws Exception {
        InfluxDefinedReadModel model = flowsModel();
        EventLog log = history();
        List<RecordedEvent> events = log.events();
        Projector projector = model.projector();

        projector.recordSkipped("account-1", 2);

        assertThat(model.probe().appliedVersion("account-1")).isEqualTo(2);
        assertThat(measurements()).doesNotContain(model.measurement());
        // The skipped events (versions 1 and 2 of account-1) are not applied; the later ones are.
        projector.apply(batch(events));
        assertThat(points(model.measurement())).filteredOn(p -> p.contains(" amount="))
                .noneMatch(p -> p.contains("kind=opened") && p.contains("cust-1") && p.endsWith("amount=10000"))
                .noneMatch(p -> p.endsWith(" amount=10"))
                .anyMatch(p -> p.endsWith(" amount=20"))
                .hasSize(4);
        assertThat(model.probe().appliedVersion("account-1")).isEqualTo(4);
        projector.recordSkipped("account-1", 1);
        assertThat(model.probe().appliedVersion("account-1")).as("never lowered").isEqualTo(4);
        projector.recordSkipped("account-1", 7);
        projector.recordSkipped("account-1", 7);
        assertThat(model.probe().appliedVersion("account-1")).isEqualTo(7);
        assertThatThrownBy(() -> projector.recordSkipped("x' OR '1'='1", 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("streamId");
        assertThatThrownBy(() -> model.probe().appliedVersion("a\nb")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resetRemovesOnlyThisReadModelsData() throws Exception {
        InfluxDefinedReadModel model = flowsModel();
        InfluxDefinedReadModel other = model(flows("other_flows", "other_flows"));
        EventLog log = history();
        model.projector().apply(batch(log.events()));
        other.projector().apply(batch(log.events()));
        Set<String> otherPoints = points(other.measurement());

        model.projector().reset();

        assertThat(measurements()).containsExactly(other.measurement());
        assertThat(model.probe().checkpoint()).isEqualTo(LogPosition.START);
        assertThat(model.probe().appliedVersion("account-1")).isZero();
        assertThat(model.storedHash()).isEmpty();
        assertThat(model.document("currency=EUR,customer=cust-1,kind=deposit", 1)).isEmpty();
        assertThat(points(other.measurement())).isEqualTo(otherPoints);
        assertThat(other.probe().checkpoint()).isEqualTo(log.head());
        assertThat(other.probe().appliedVersion("account-1")).isEqualTo(4);
        assertThat(other.storedHash()).contains(HASH);

        // Rebuilt from the start of the log, as the lane does after a reset.
        model.projector().apply(batch(log.events()));
        assertThat(points(model.measurement())).isEqualTo(otherPoints);
    }

    @Test
    void aNewVersionLivesBesideTheOldOneAndDropRemovesEverythingOfOneVersion() throws Exception {
        InfluxDefinedReadModel v1 = flowsModel();
        ReadModelProgram second = TestPrograms.of(definition("account_flows", "account_flows", 2), "sha256:flows-2",
                Map.of("MoneyDeposited", e -> List.of(point(e, "deposit", "amount", "balanceAfter", "depositedAt", 1))));
        InfluxDefinedReadModel v2 = model(second);
        EventLog log = history();
        v1.projector().apply(batch(log.events()));
        v2.projector().apply(batch(log.events()));
        assertThat(v2.measurement()).isEqualTo(namespace + "account_flows_v2");
        assertThat(v2.storedHash()).contains("sha256:flows-2");

        v1.drop();

        assertThat(measurements()).containsExactly(v2.measurement());
        assertThat(v1.probe().checkpoint()).isEqualTo(LogPosition.START);
        assertThat(v1.storedHash()).isEmpty();
        assertThat(v2.probe().checkpoint()).isEqualTo(log.head());
        assertThat(v2.series(SeriesQuery.last(Duration.ofDays(1), "amount", "count")).buckets())
                .singleElement().satisfies(b -> assertThat(b.value()).isEqualTo(3L));
    }

    @Test
    void documentIsTheLatestPointOfExactlyThatSeriesTyped() throws Exception {
        InfluxDefinedReadModel model = flowsModel();
        EventLog log = history();
        model.projector().apply(batch(log.events()));

        Optional<Map<String, Object>> deposit = model.document("kind=deposit,customer=cust-1,currency=EUR", 2);

        assertThat(deposit).get().isEqualTo(Map.ofEntries(
                Map.entry("time", T0.plusSeconds(120).toString()),
                Map.entry("kind", "deposit"), Map.entry("customer", "cust-1"), Map.entry("currency", "EUR"),
                Map.entry("amount", decimal("1000.05")), Map.entry("balance", decimal("1000.05")),
                Map.entry("deposits", 1L), Map.entry("share", 1.0), Map.entry("large", true),
                Map.entry("source", "salary"), Map.entry("booked_at", T0.plusSeconds(120).toString())));
        // account-2's opening has a zero balance, so no share: the field is absent, not taken from an older point.
        assertThat(model.document("kind=opened,customer=cust-1,currency=EUR", 1)).get()
                .satisfies(doc -> assertThat(doc).doesNotContainKey("share").containsEntry("amount", decimal("0.00"))
                        .containsEntry("large", false).containsEntry("deposits", 0L));
        assertThat(model.document("kind=deposit,customer=cust-1", 1)).as("not the whole series key").isEmpty();
        assertThat(model.document("kind=deposit,customer=nobody,currency=EUR", 1)).isEmpty();
        assertThat(model.document("kind=deposit,customer=x' OR '1'='1,currency=EUR", 1)).isEmpty();
        assertThatThrownBy(() -> model.document("amount=1", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'amount' is not a declared tag");
        assertThatThrownBy(() -> model.document("nonsense", 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void seriesAggregatesInBucketsGroupsAndFilters() throws Exception {
        InfluxDefinedReadModel model = flowsModel();
        EventLog log = history();
        model.projector().apply(batch(log.events()));
        Duration day = Duration.ofDays(1);

        assertThat(model.series(SeriesQuery.last(day, "amount", "count")).buckets())
                .extracting(SeriesResult.Bucket::value).containsExactly(6L);
        assertThat(model.series(SeriesQuery.last(day, "amount", "min")).buckets())
                .extracting(SeriesResult.Bucket::value).containsExactly(decimal("-30.30"));
        assertThat(model.series(SeriesQuery.last(day, "deposits", "sum").where("kind", "deposit")).buckets())
                .extracting(SeriesResult.Bucket::value).containsExactly(3L);
        assertThat(model.series(SeriesQuery.last(day, "deposits", "mean")).buckets())
                .extracting(SeriesResult.Bucket::value).containsExactly(0.5);
        assertThat(model.series(SeriesQuery.last(day, "share", "max")).buckets())
                .extracting(SeriesResult.Bucket::value).containsExactly(1.0);

        // Per minute from T0 for 4 minutes, by kind: buckets with points only.
        SeriesResult perMinute = model.series(SeriesQuery.between(T0, T0.plusSeconds(240), "amount", "sum")
                .every(Duration.ofMinutes(1)).groupBy("kind"));
        assertThat(perMinute.buckets()).extracting(b -> b.group() + "@" + b.time() + "=" + b.value()).containsExactly(
                "deposit@" + T0.plusSeconds(60) + "=0.10",
                "deposit@" + T0.plusSeconds(120) + "=1000.25",
                "opened@" + T0 + "=100.00",
                "opened@" + T0.plusSeconds(60) + "=0.00",
                "withdrawal@" + T0.plusSeconds(180) + "=-30.30");
        assertThat(model.series(SeriesQuery.between(T0.plusSeconds(1), T0.plusSeconds(120), "amount", "count"))
                .buckets()).extracting(SeriesResult.Bucket::value).containsExactly(2L);
        // A value is an escaped literal, never InfluxQL.
        assertThat(model.series(SeriesQuery.last(day, "amount", "sum").where("kind", "x' OR '1'='1")).buckets())
                .isEmpty();
        assertThat(model.series(SeriesQuery.last(day, "amount", "sum").where("kind", "a\\' OR 1=1 --")).buckets())
                .isEmpty();

        assertThatThrownBy(() -> model.series(SeriesQuery.last(day, "source", "sum")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'source'");
        assertThatThrownBy(() -> model.series(SeriesQuery.last(day, "nope\" FROM x", "sum")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("field 'nope\" FROM x'");
        assertThatThrownBy(() -> model.series(SeriesQuery.last(day, "amount", "median")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fn 'median'");
        assertThatThrownBy(() -> model.series(SeriesQuery.last(day, "amount", "sum").groupBy("amount")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'amount' is not a declared tag");
        assertThatThrownBy(() -> model.series(SeriesQuery.last(day, "amount", "sum").where("source", "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'source' is not a declared tag");
        assertThatThrownBy(() -> model.series(SeriesQuery.last(day, "amount", "sum").every(Duration.ofMillis(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("every");
        assertThatThrownBy(() -> model.series(SeriesQuery.last(Duration.ZERO, "amount", "sum")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("range");
        assertThatThrownBy(() -> model.series(SeriesQuery.between(T0, T0, "amount", "sum")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("range");
    }

    @Test
    void aChangeInfluxDbDoesNotSupportIsAChangeFailureAndWritesNothing() throws Exception {
        Function<RecordedEvent, List<Change>> document = e -> List.of(new DocumentChange(e.streamId(),
                List.of(new FieldOp.Increment("deposits", 1L))));
        InfluxDefinedReadModel model = model(TestPrograms.of(definition("docs", "docs", 1), HASH,
                Map.of("MoneyDeposited", document,
                        "AccountCreated", e -> List.of(point(e, "opened", "initialBalance", "initialBalance",
                                "openedAt", 0)))));
        EventLog log = new EventLog();
        opened(log, "account-1", "1.00", T0);
        deposited(log, "account-1", "1.00", "2.00", T0.plusSeconds(1));

        assertThatThrownBy(() -> model.projector().apply(batch(log.events())))
                .isInstanceOf(ChangeFailure.class).hasMessageContaining("point changes only, not DocumentChange")
                .hasMessageContaining("account-1@2")
                .satisfies(e -> assertThat(model.projector().classify(e)).isEqualTo(FailureKind.PERMANENT));
        assertThat(measurements()).as("nothing written, the event before it included").isEmpty();
        assertThat(model.probe().checkpoint()).isEqualTo(LogPosition.START);

        // Undeclared fields and tags, wrong types and too many decimal digits are the event's failure too.
        InfluxDefinedReadModel bad = model(TestPrograms.of(definition("bad", "bad", 1), HASH, Map.of(
                "AccountCreated", e -> List.of(new PointChange(Map.of("kind", "x"), Map.of("undeclared", 1L), T0)),
                "MoneyDeposited", e -> List.of(new PointChange(Map.of("amount", "x"), Map.of("deposits", 1L), T0)),
                "MoneyWithdrawn", e -> List.of(new PointChange(Map.of(), Map.of("amount", new BigDecimal("1.005")),
                        T0)))));
        EventLog one = new EventLog();
        opened(one, "account-1", "1.00", T0);
        assertThatThrownBy(() -> bad.projector().apply(batch(one.events()))).isInstanceOf(ChangeFailure.class)
                .hasMessageContaining("field 'undeclared' is not declared");
        EventLog two = new EventLog();
        deposited(two, "account-1", "1.00", "1.00", T0);
        assertThatThrownBy(() -> bad.projector().apply(batch(two.events()))).isInstanceOf(ChangeFailure.class)
                .hasMessageContaining("tag 'amount' is not a declared keyword field");
        EventLog three = new EventLog();
        withdrawn(three, "account-1", "1.00", "0.00", T0);
        assertThatThrownBy(() -> bad.projector().apply(batch(three.events()))).isInstanceOf(ChangeFailure.class)
                .hasMessageContaining("scale 2");
    }

    @Test
    void namesFromTheDefinitionAreValidatedAtConstruction() {
        assertThatThrownBy(() -> model(flows("x", "bad-name"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bad-name'");
        assertThatThrownBy(() -> model(flows("x", "a\" ; DROP DATABASE x"))).isInstanceOf(IllegalArgumentException.class);
        Map<String, FieldSpec> badFields = new LinkedHashMap<>(fields());
        badFields.put("time", FieldSpec.of("time", FieldType.LONG));
        ReadModelDefinition withTime = new ReadModelDefinition("t", StoreKind.INFLUXDB, 1, "", new Target(null, null,
                null, "t", null, null), badFields, "t.yaml");
        assertThatThrownBy(() -> model(TestPrograms.of(withTime, HASH, Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'time'");
        ReadModelDefinition redis = new ReadModelDefinition("r", StoreKind.REDIS, 1, "", new Target(null, "r", null,
                null, null, null), fields(), "r.yaml");
        assertThatThrownBy(() -> model(TestPrograms.of(redis, HASH, Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not influxdb");
        assertThatThrownBy(() -> new InfluxDefinedReadModel(influx, "o", "b", "Bad Namespace", flows("x", "x"),
                TestDatabase.of(stores), TestDatabase.SCHEMA))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("namespace");
    }

    @Test
    void versionRecordsAndTheCheckpointSurviveARetentionThatDropsOldPoints() throws Exception {
        String policy = "rp1d_" + namespace.substring(1, 9);
        String database = stores.influxBucket();
        influx.getInfluxQLQueryApi().queryJSON(new InfluxQLQuery(
                "CREATE RETENTION POLICY \"%s\" ON \"%s\" DURATION 1d REPLICATION 1".formatted(policy, database),
                database));
        try {
            InfluxDefinedReadModel model = model(flows("account_flows", "account_flows"), database + "/" + policy);
            EventLog log = new EventLog();
            opened(log, "account-1", "10.00", Instant.now().minus(Duration.ofDays(30)));
            deposited(log, "account-1", "5.00", "15.00", Instant.now().minus(Duration.ofHours(1)));

            model.projector().apply(batch(log.events()));

            assertThat(model.pointsDroppedByRetention()).isEqualTo(1);
            assertThat(model.probe().appliedVersion("account-1")).isEqualTo(2);
            assertThat(model.probe().checkpoint()).isEqualTo(log.head());
            assertThat(model.storedHash()).contains(HASH);
            assertThat(model.series(SeriesQuery.last(Duration.ofDays(1), "amount", "sum")).buckets())
                    .extracting(SeriesResult.Bucket::value).containsExactly(decimal("5.00"));
            model.drop();
        } finally {
            influx.getInfluxQLQueryApi().queryJSON(new InfluxQLQuery(
                    "DROP RETENTION POLICY \"%s\" ON \"%s\"".formatted(policy, database), database));
        }
    }

    @Test
    void aLargeLogIsWrittenInBatchesFastAndExactly() throws Exception {
        EventLog log = new EventLog();
        int accounts = 250;
        int perAccount = 40; // 10,000 events
        for (int a = 0; a < accounts; a++) {
            opened(log, "acc-" + a, "0.00", T0);
        }
        for (int i = 1; i < perAccount; i++) {
            for (int a = 0; a < accounts; a++) {
                deposited(log, "acc-" + a, "0.01", "0." + String.format("%02d", i), T0.plusMillis(i * 10L + a % 7));
            }
        }
        List<RecordedEvent> events = log.events();
        ReadModelProgram program = TestPrograms.of(definition("bulk_flows", "bulk_flows", 1), HASH, Map.of(
                "AccountCreated", e -> List.of(new PointChange(Map.of("kind", "opened"), Map.of("deposits", 0L),
                        Instant.parse(e.data().get("openedAt").asString()))),
                "MoneyDeposited", e -> List.of(new PointChange(Map.of("kind", "deposit"), Map.of("deposits", 1L,
                        "amount", e.data().get("amount").decimalValue().setScale(2)),
                        Instant.parse(e.data().get("depositedAt").asString())))));
        InfluxDefinedReadModel bulk = model(program);

        long start = System.nanoTime();
        for (int i = 0; i < events.size(); i += 1000) {
            bulk.projector().apply(batch(events.subList(i, Math.min(i + 1000, events.size()))));
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("InfluxDefinedReadModel: %d events in batches of 1000 in %d ms (%.0f events/s)%n",
                events.size(), millis, events.size() * 1000.0 / Math.max(1, millis));

        assertThat(bulk.series(SeriesQuery.last(Duration.ofDays(1), "amount", "sum")).buckets())
                .extracting(SeriesResult.Bucket::value).containsExactly(decimal("97.50"));
        assertThat(bulk.series(SeriesQuery.last(Duration.ofDays(1), "deposits", "count")).buckets())
                .extracting(SeriesResult.Bucket::value).containsExactly((long) events.size());
        assertThat(bulk.probe().appliedVersion("acc-17")).isEqualTo(perAccount);
        assertThat(bulk.probe().checkpoint()).isEqualTo(log.head());
    }
}
