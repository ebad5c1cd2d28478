package io.projhub.projectors.influxdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.domain.InfluxQLQuery;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.exceptions.InfluxException;
import com.influxdb.query.InfluxQLQueryResult;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.projectors.testing.OrderEventLog;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The InfluxDB read model in a retention policy of 7 days (bucket {@code <database>/<policy>}): its checkpoint
 * survives, events older than the retention replay without failing, and its probes read only the shards their time
 * bounds name (InfluxDB's EXPLAIN counts them). Each test creates its own policy on the test database and drops it.
 */
@RealStores
class InfluxRetentionPolicyTest {

    private static final Duration RETENTION = Duration.ofDays(7);

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String namespace = "r" + suffix + "-";
    private final String policy = "rp7d_" + suffix;
    private final String order = "order-" + UUID.randomUUID();
    private final String old = "order-" + UUID.randomUUID();
    private final String account = "account-" + UUID.randomUUID();
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    private StoreEndpoints stores;
    private InfluxDBClient influx;
    private String database;
    private String bucket;

    @BeforeEach
    void createThePolicy(StoreEndpoints stores) {
        this.stores = stores;
        influx = InfluxConnector.connect(stores.influxUrl(), stores.influxToken(), stores.influxOrg(),
                stores.influxBucket());
        database = stores.influxBucket();
        bucket = database + "/" + policy;
        admin("CREATE RETENTION POLICY \"%s\" ON \"%s\" DURATION %dd REPLICATION 1"
                .formatted(policy, database, RETENTION.toDays()));
        List<String> policies = new ArrayList<>();
        rows(admin("SHOW RETENTION POLICIES ON \"%s\"".formatted(database)))
                .forEach(row -> policies.add(row.get(0).asString() + " " + row.get(1).asString()));
        assertThat(policies).contains(policy + " 168h0m0s");
    }

    @AfterEach
    void dropThePolicy() {
        try {
            new InfluxOrderProjector(influx, stores.influxOrg(), bucket, namespace).reset();
            admin("DROP RETENTION POLICY \"%s\" ON \"%s\"".formatted(policy, database));
        } finally {
            influx.close();
        }
    }

    private InfluxOrderProjector projector() {
        return new InfluxOrderProjector(influx, stores.influxOrg(), bucket, namespace);
    }

    private InfluxProbe probe() {
        return new InfluxProbe(influx, bucket, namespace);
    }

    @Test
    void theCheckpointIsStampedWhereNoRetentionReachesItAndSurvives() throws Exception {
        // What the checkpoint at time 0 used to get: refused, so a restarted lane began again from the start.
        assertThatThrownBy(() -> influx.getWriteApiBlocking().writeRecord(bucket, stores.influxOrg(), WritePrecision.NS,
                "projhub_checkpoint,projector=%sinfluxdb tx_id=1i,position=1i 0".formatted(namespace)))
                .isInstanceOf(InfluxException.class).hasMessageContaining("points beyond retention policy dropped=1");

        OrderEventLog log = new OrderEventLog(1);
        log.created(order, "customer-1", "Ada", "EUR", "10.00", now.minus(Duration.ofHours(2)), "Thing");
        log.shipped(order, "DHL", "T-1", now.minus(Duration.ofHours(1)), 3_600_000);
        projector().apply(new EventBatch(log.events(), log.head()));

        assertThat(projector().checkpoint()).as("a new instance, as after a restart").isEqualTo(log.head());
        assertThat(probe().checkpoint()).isEqualTo(log.head());
        assertThat(probe().appliedVersion(order)).isEqualTo(2);
        assertThat(checkpointTimes()).containsExactly(InfluxOrderProjector.CHECKPOINT_TIMESTAMP);
        assertThat(Instant.EPOCH.plusNanos(InfluxOrderProjector.CHECKPOINT_TIMESTAMP))
                .isAfter(now.plus(Duration.ofDays(365 * 100)));
        assertThat(new InfluxProbe(influx, database, namespace).checkpoint())
                .as("written to the bucket's policy, not the database's default").isEqualTo(LogPosition.START);

        projector().overwriteCheckpoint(new LogPosition(1, 1));
        assertThat(probe().checkpoint()).isEqualTo(new LogPosition(1, 1));
        assertThat(checkpointTimes()).containsExactly(InfluxOrderProjector.CHECKPOINT_TIMESTAMP);

        projector().recordSkipped(order, 5);
        assertThat(probe().appliedVersion(order)).as("a skipped version is kept too").isEqualTo(5);
    }

    @Test
    void replayingEventsOlderThanTheRetentionSucceedsWithTheirPointsAbsent() throws Exception {
        OrderEventLog log = new OrderEventLog(1);
        log.created(old, "customer-1", "Ada", "EUR", "10.00", now.minus(Duration.ofDays(30)), "Thing");
        log.opened(account, "100.00", "EUR", now.minus(Duration.ofDays(10)));
        log.created(order, "customer-2", "Bob", "EUR", "20.00", now.minus(Duration.ofDays(2)), "Thing");
        log.shipped(old, "DHL", "T-1", now.minus(Duration.ofDays(20)), 1000);
        log.cancelled(order, "changed mind", now.minus(Duration.ofDays(1)));
        log.deposited(account, "5.00", "EUR", "105.00", now.minus(Duration.ofHours(1)));
        InfluxOrderProjector projector = projector();

        projector.apply(new EventBatch(log.events(), log.head()));

        assertThat(projector.pointsDroppedByRetention()).isEqualTo(3);
        assertThat(probe().checkpoint()).isEqualTo(log.head());
        assertThat(probe().appliedVersion(order)).isEqualTo(2);
        assertThat(probe().appliedVersion(account)).isEqualTo(2);
        assertThat(probe().appliedVersion(old)).as("its points are beyond the retention").isZero();

        // Replayed from the start, and a batch of old events only: the same, and the checkpoint moves on.
        projector.apply(new EventBatch(log.events(), log.head()));
        RecordedEvent older = log.cancelled(old, "too late", now.minus(Duration.ofDays(8)));
        projector.apply(new EventBatch(List.of(older), older.logPosition()));
        assertThat(projector.pointsDroppedByRetention()).isEqualTo(7);
        assertThat(probe().checkpoint()).isEqualTo(older.logPosition());
        assertThat(probe().appliedVersion(order)).isEqualTo(2);
    }

    @Test
    void anotherFailureAlongsidePointsBeyondTheRetentionKeepsItsClassification() {
        Instant recent = now.minus(Duration.ofHours(3));
        // A string amount in the recent shard first: the projector's float amount then conflicts with it.
        influx.getWriteApiBlocking().writeRecord(bucket, stores.influxOrg(), WritePrecision.NS,
                "%sorder_lifecycle,status=CREATED amount=\"text\" %d".formatted(namespace,
                        recent.minusSeconds(1).toEpochMilli() * 1_000_000));
        OrderEventLog log = new OrderEventLog(1);
        log.created(old, "customer-1", "Ada", "EUR", "10.00", now.minus(Duration.ofDays(30)), "Thing");
        log.created(order, "customer-2", "Bob", "EUR", "20.00", recent, "Thing");
        InfluxOrderProjector projector = projector();

        Throwable conflict = catchFailure(() -> projector.apply(new EventBatch(log.events(), log.head())));

        assertThat(conflict).isInstanceOfSatisfying(InfluxException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.getMessage()).contains("field type conflict");
        });
        assertThat(projector.classify(conflict)).isEqualTo(FailureKind.PERMANENT);
        assertThat(projector.pointsDroppedByRetention()).isZero();
        assertThat(probe().checkpoint()).as("not moved past points that were lost").isEqualTo(LogPosition.START);
    }

    @Test
    void theProbesReadOnlyTheShardsTheirTimeBoundsName() throws Exception {
        // One point a day over six days: six daily shards, and the records' own.
        OrderEventLog log = new OrderEventLog(1);
        List<String> orders = new ArrayList<>();
        for (int day = 5; day >= 0; day--) {
            String id = day == 5 ? old : "order-" + UUID.randomUUID();
            orders.add(id);
            log.created(id, "customer-1", "Ada", "EUR", "1.00", now.minus(Duration.ofDays(day)), "Thing");
        }
        log.shipped(old, "UPS", "T-9", now.minus(Duration.ofDays(4)), 1000);
        InfluxOrderProjector projector = projector();
        projector.apply(new EventBatch(log.events(), log.head()));
        projector.recordSkipped(orders.get(5), 3);
        assertThat(shards()).isEqualTo(7);

        InfluxProbe twoDays = new InfluxProbe(influx, bucket, namespace, Duration.ofDays(2));
        List<String> statements = twoDays.appliedVersionStatements(old);
        assertThat(shardsRead(statements.get(0))).as("the last two days: at most three daily shards").isBetween(1L, 3L);
        assertThat(shardsRead(statements.get(1))).as("the skipped versions' time").isEqualTo(1);
        assertThat(shardsRead(statements.get(2))).as("1970's first day: none in this policy").isZero();
        assertThat(probe().checkpointStatements()).map(this::shardsRead).containsExactly(1L, 0L);
        assertThat(shardsRead(probe().appliedVersionStatements(old).get(0)))
                .as("the default horizon: the retention bounds it, never the records' shard").isEqualTo(6);

        assertThat(twoDays.appliedVersion(old)).as("its last event is older than the horizon").isZero();
        assertThat(probe().appliedVersion(old)).isEqualTo(2);
        assertThat(twoDays.appliedVersion(orders.get(5))).as("skipped version").isEqualTo(3);
        assertThat(twoDays.checkpoint()).isEqualTo(log.head());
    }

    /** The times of this namespace's checkpoint points in the policy, in nanoseconds. */
    private List<Long> checkpointTimes() {
        InfluxQLQueryResult result = influx.getInfluxQLQueryApi().queryJSON(InfluxQL.query(
                "SELECT \"tx_id\" FROM \"projhub_checkpoint\" WHERE \"projector\" = '%sinfluxdb'".formatted(namespace),
                bucket).setPrecision(InfluxQLQuery.InfluxQLPrecision.NANOSECONDS));
        List<Long> times = new ArrayList<>();
        for (InfluxQLQueryResult.Series series : InfluxQL.series(result)) {
            series.getValues().forEach(row -> times.add(Long.parseLong(InfluxQL.text(row, "time"))));
        }
        return times;
    }

    /** The shards of the policy (SHOW SHARDS: id, database, retention_policy, ...). */
    private long shards() {
        return rows(admin("SHOW SHARDS")).stream().filter(row -> row.get(2).asString().equals(policy)).count();
    }

    /**
     * How many shards InfluxDB reads for {@code statement} in the policy: the "NUMBER OF SHARDS" of its EXPLAIN, which
     * has a block per selected expression and source (the most of them).
     */
    private long shardsRead(String statement) {
        long shards = 0;
        for (JsonNode row : rows(query("EXPLAIN " + statement, "&db=" + database + "&rp=" + policy))) {
            String line = row.get(0).asString();
            if (line.startsWith("NUMBER OF SHARDS: ")) {
                shards = Math.max(shards, Long.parseLong(line.substring("NUMBER OF SHARDS: ".length())));
            }
        }
        return shards;
    }

    private JsonNode admin(String statement) {
        return query(statement, "");
    }

    /**
     * Runs a statement through InfluxDB's {@code /query} endpoint and returns its JSON answer (the client cannot read
     * the answers of SHOW RETENTION POLICIES, SHOW SHARDS and EXPLAIN: rows of series without a name).
     */
    private JsonNode query(String statement, String parameters) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stores.influxUrl() + "/query"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Authorization", "Token " + stores.influxToken())
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "q=" + URLEncoder.encode(statement, StandardCharsets.UTF_8) + parameters))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(statement).isEqualTo(200);
            JsonNode answer = JSON.readTree(response.body());
            assertThat(answer.path("results").path(0).path("error").isMissingNode()).as(response.body()).isTrue();
            return answer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every row of every series of an {@link #admin} answer. */
    private static List<JsonNode> rows(JsonNode answer) {
        List<JsonNode> rows = new ArrayList<>();
        for (JsonNode series : answer.path("results").path(0).path("series")) {
            series.path("values").forEach(rows::add);
        }
        return rows;
    }

    private static Throwable catchFailure(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }
}
