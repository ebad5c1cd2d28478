package io.projhub.projectors.influxdb;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.domain.InfluxQLQuery;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.exceptions.InfluxException;
import com.influxdb.query.InfluxQLQueryResult;

import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.domain.account.AccountCreated;
import io.projhub.core.domain.account.MoneyDeposited;
import io.projhub.core.domain.account.MoneyWithdrawn;
import io.projhub.core.domain.order.OrderCancelled;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.domain.order.OrderShipped;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.Projector;

/**
 * Order lifecycle and account flows as time series in InfluxDB: one point per event, in
 * {@code {namespace}order_lifecycle} (tags status, carrier, currency; fields amount, duration_ms, order_id,
 * stream_version) and {@code {namespace}account_flow} (tags kind, currency; fields amount, account_id,
 * stream_version).
 *
 * <p><b>Idempotence.</b> A point is identified by measurement, tag set and timestamp, and all three come from the
 * event alone: the timestamp is the event's own time truncated to the millisecond, plus {@code position mod 10^6}
 * nanoseconds, so two events of one series in the same millisecond never overwrite each other and a replay
 * overwrites each point with itself. Every point of a batch goes in one write.
 *
 * <p><b>duration_ms.</b> OrderShipped carries it ({@code processingTimeMs}). A cancellation does not: it is
 * {@code cancelledAt - createdAt} (both in whole milliseconds), with {@code createdAt} taken from the batch if the
 * order's OrderCreated is in it, else from the order's CREATED point, looked up with one InfluxQL query per batch
 * within {@code cancellationLookback} before the cancellation. The lookup depends only on the event and on a
 * point written before it, so whatever the batching, a replay writes the same value; a cancellation whose
 * creation lies further back (or was never applied) gets no duration_ms (it still counts).
 *
 * <p><b>Retention.</b> A bucket (or {@code database/retention-policy}) may keep points for a finite time only.
 * InfluxDB refuses points older than that ("partial write: points beyond retention policy dropped=N") and writes
 * the others of the request: replaying old events is then a success with those points absent (counted in
 * {@link #pointsDroppedByRetention()} and logged), never a failure to retry or dead-letter. The records that are not
 * events, the checkpoint and the skipped versions, are stamped at {@link #RECORDS_TIMESTAMP}, far in the future:
 * never older than any retention, so never dropped, and each lookup reads one time (one shard group).
 *
 * <p><b>Checkpoint.</b> A point in {@code projhub_checkpoint} (tag projector = namespace + name, fields tx_id and
 * position) at the fixed timestamp {@link #RECORDS_TIMESTAMP}, so each write replaces it ({@link #overwriteCheckpoint}
 * too, also backwards). It is a second write, sent only once the batch's points are accepted: one InfluxDB write is
 * not atomic (a field type conflict drops some points and keeps others), so a checkpoint in the same request could
 * get ahead of points that were lost. A redelivery does not write it (its checkpoint is the current one), so it never
 * moves backwards. Versions before this one wrote it at time 0, which a finite retention drops at once: the probe
 * still reads such a point when there is no newer one.
 *
 * <p><b>Skipped events.</b> {@link #recordSkipped} writes a point in {@code {namespace}skipped_versions} (tag stream,
 * field stream_version), never in the lifecycle or flow series. Its timestamp is {@link #RECORDS_TIMESTAMP} plus the
 * version in nanoseconds, so each skipped version is its own point: the highest one, which the probe reads, can only
 * rise, and writing one again overwrites it with itself. The stream's later events are written as any others.
 * (Versions before this one stamped it with the version alone, in 1970; the probe reads those too.)
 */
public final class InfluxOrderProjector implements Projector {

    public static final String NAME = "influxdb";
    public static final Duration DEFAULT_CANCELLATION_LOOKBACK = Duration.ofDays(90);

    /**
     * 2200-01-01T00:00:00Z in nanoseconds: the time of the checkpoint point and the base of the skipped versions' (see
     * the class comment). Any time in the past is eventually older than a finite retention; this one is not.
     */
    static final long RECORDS_TIMESTAMP = 7_258_118_400_000_000_000L;

    /** The checkpoint point's fixed timestamp: each checkpoint write overwrites the one point. */
    static final long CHECKPOINT_TIMESTAMP = RECORDS_TIMESTAMP;

    /** Where versions before this one wrote the checkpoint. */
    static final long LEGACY_CHECKPOINT_TIMESTAMP = 0;

    private static final Logger log = LoggerFactory.getLogger(InfluxOrderProjector.class);
    private static final Pattern BEYOND_RETENTION = Pattern.compile("points beyond retention policy dropped=(\\d+)");

    private static final long NANOS_PER_MILLI = 1_000_000;
    private static final Set<String> EVENT_TYPES = Set.of(OrderCreated.TYPE, "OrderShipped", "OrderCancelled",
            "AccountCreated", "MoneyDeposited", "MoneyWithdrawn");

    private final InfluxDBClient client;
    private final String org;
    private final String bucket;
    private final InfluxNames names;
    private final Duration cancellationLookback;
    private final InfluxProbe probe;
    private final EventTypeRegistry registry = DomainEventTypes.registry();
    private final AtomicLong droppedByRetention = new AtomicLong();

    public InfluxOrderProjector(InfluxDBClient client, String org, String bucket, String namespace) {
        this(client, org, bucket, namespace, DEFAULT_CANCELLATION_LOOKBACK);
    }

    /**
     * @param bucket               the bucket (on InfluxDB 1.x: the database) written to and queried with InfluxQL
     * @param namespace            prefix of the measurements and of the checkpoint's projector tag ("" for the hub)
     * @param cancellationLookback how far before a cancellation its order's CREATED point is looked for
     */
    public InfluxOrderProjector(InfluxDBClient client, String org, String bucket, String namespace,
                                Duration cancellationLookback) {
        if (cancellationLookback == null || cancellationLookback.isNegative() || cancellationLookback.isZero()) {
            throw new IllegalArgumentException("cancellationLookback must be positive");
        }
        this.client = client;
        this.org = org;
        this.bucket = bucket;
        this.names = new InfluxNames(namespace);
        this.cancellationLookback = cancellationLookback;
        this.probe = new InfluxProbe(client, bucket, namespace);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> eventTypes() {
        return EVENT_TYPES;
    }

    /** Drops this namespace's measurements (skipped versions included) and its checkpoint series. */
    @Override
    public void reset() {
        client.getInfluxQLQueryApi().queryJSON(InfluxQL.query("""
                DROP MEASUREMENT "%s"; DROP MEASUREMENT "%s"; DROP MEASUREMENT "%s";
                DROP SERIES FROM "%s" WHERE "projector" = '%s'
                """.formatted(names.orderLifecycle(), names.accountFlow(), names.skippedVersions(),
                InfluxNames.CHECKPOINT_MEASUREMENT, names.checkpointKey()), bucket));
    }

    /** Writes the skipped version's own point; the probe takes the highest (see the class comment). */
    @Override
    public void recordSkipped(String streamId, long version) {
        client.getWriteApiBlocking().writeRecord(bucket, org, WritePrecision.NS,
                InfluxNames.lineMeasurement(names.skippedVersions()) + ",stream=" + InfluxNames.tagValue(streamId)
                        + " stream_version=" + version + "i " + Math.addExact(RECORDS_TIMESTAMP, version));
    }

    @Override
    public LogPosition checkpoint() {
        return probe.checkpoint();
    }

    @Override
    public void apply(EventBatch batch) {
        List<Decoded> events = new ArrayList<>();
        for (RecordedEvent event : batch.events()) {
            if (EVENT_TYPES.contains(event.type())) {
                events.add(new Decoded(event, registry.toObject(event)));
            }
        }
        if (!events.isEmpty()) {
            Map<String, Long> createdMillis = createdMillisOfCancelledOrders(events);
            List<String> lines = new ArrayList<>(events.size());
            for (Decoded event : events) {
                lines.add(line(event, createdMillis));
            }
            write(lines, batch);
        }
        if (!batch.redelivery()) {
            writeCheckpoint(batch.checkpoint());
        }
    }

    /** Writes exactly {@code checkpoint} over the checkpoint point, also backwards. Recovery only, lane stopped. */
    @Override
    public void overwriteCheckpoint(LogPosition checkpoint) {
        writeCheckpoint(checkpoint);
    }

    /** How many event points InfluxDB has dropped, since this projector was made, as older than the retention. */
    public long pointsDroppedByRetention() {
        return droppedByRetention.get();
    }

    private void writeCheckpoint(LogPosition checkpoint) {
        client.getWriteApiBlocking().writeRecord(bucket, org, WritePrecision.NS,
                InfluxNames.lineMeasurement(InfluxNames.CHECKPOINT_MEASUREMENT)
                        + ",projector=" + InfluxNames.tagValue(names.checkpointKey())
                        + " tx_id=" + checkpoint.txId() + "i,position=" + checkpoint.position() + "i "
                        + CHECKPOINT_TIMESTAMP);
    }

    /**
     * Writes the batch's points. Points older than the bucket's retention are dropped by InfluxDB, which writes the
     * others and then says so (it reports any other failure instead): that is a success, those points absent.
     */
    private void write(List<String> lines, EventBatch batch) {
        try {
            client.getWriteApiBlocking().writeRecords(bucket, org, WritePrecision.NS, lines);
        } catch (InfluxException e) {
            long dropped = droppedBeyondRetention(e);
            if (dropped < 0) {
                throw e;
            }
            droppedByRetention.addAndGet(dropped);
            log.info("read_model={} event=points-beyond-retention dropped={} points={} bucket={} checkpoint={}",
                    NAME, dropped, lines.size(), bucket, batch.checkpoint().token());
        }
    }

    /** The number of points a write answered with "points beyond retention policy dropped=N" lost; else -1. */
    static long droppedBeyondRetention(InfluxException failure) {
        Matcher m = BEYOND_RETENTION.matcher(String.valueOf(failure.getMessage()));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Transient: the server unreachable, overloaded or failing (no status, 408, 429, 5xx), or refusing us as a
     * whole (401, 403, 404: credentials, a missing database — the store's set-up, not the event). Permanent: the
     * data (400: a bad line, a field type conflict; 413: too large, so the lane splits the batch).
     */
    @Override
    public FailureKind classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InfluxException influx && influx.status() > 0) {
                int status = influx.status();
                return status == 400 || status == 413 || status == 422 ? FailureKind.PERMANENT : FailureKind.TRANSIENT;
            }
        }
        return Projector.super.classify(failure);
    }

    /** An event and its decoded record. */
    private record Decoded(RecordedEvent event, Object data) {
    }

    private String line(Decoded decoded, Map<String, Long> createdMillis) {
        RecordedEvent e = decoded.event();
        Object data = decoded.data();
        Map<String, String> tags = new TreeMap<>(); // sorted: the order InfluxDB stores them in
        Map<String, String> fields = new LinkedHashMap<>();
        String measurement;
        Instant time;
        if (data instanceof OrderCreated c) {
            measurement = names.orderLifecycle();
            time = c.createdAt();
            tags.put("status", "CREATED");
            tags.put("currency", c.currency());
            fields.put("amount", decimal(c.totalAmount()));
        } else if (data instanceof OrderShipped s) {
            measurement = names.orderLifecycle();
            time = s.shippedAt();
            tags.put("status", "SHIPPED");
            tags.put("carrier", s.carrier());
            fields.put("duration_ms", s.processingTimeMs() + "i");
        } else if (data instanceof OrderCancelled c) {
            measurement = names.orderLifecycle();
            time = c.cancelledAt();
            tags.put("status", "CANCELLED");
            Long created = createdMillis.get(e.streamId());
            if (created != null) {
                fields.put("duration_ms", (millis(e, c.cancelledAt()) - created) + "i");
            }
        } else if (data instanceof AccountCreated a) {
            measurement = names.accountFlow();
            time = a.openedAt();
            tags.put("kind", "opened");
            tags.put("currency", a.currency());
            fields.put("amount", decimal(a.initialBalance()));
        } else if (data instanceof MoneyDeposited d) {
            measurement = names.accountFlow();
            time = d.depositedAt();
            tags.put("kind", "deposit");
            tags.put("currency", d.currency());
            fields.put("amount", decimal(d.amount()));
        } else if (data instanceof MoneyWithdrawn w) {
            measurement = names.accountFlow();
            time = w.withdrawnAt();
            tags.put("kind", "withdrawal");
            tags.put("currency", w.currency());
            fields.put("amount", decimal(w.amount()));
        } else {
            throw new IllegalArgumentException("Unexpected event " + e.type());
        }
        String idField = measurement.equals(names.orderLifecycle()) ? "order_id" : "account_id";
        fields.put(idField, InfluxNames.stringField(e.streamId()));
        fields.put("stream_version", e.version() + "i");

        StringBuilder line = new StringBuilder(160).append(InfluxNames.lineMeasurement(measurement));
        // An empty tag value cannot be written: such a tag is left out (and groups under "" in queries).
        tags.forEach((key, value) -> {
            if (value != null && !value.isBlank()) {
                line.append(',').append(key).append('=').append(InfluxNames.tagValue(value));
            }
        });
        StringJoiner fieldSet = new StringJoiner(",", " ", " ");
        fields.forEach((key, value) -> fieldSet.add(key + "=" + value));
        return line.append(fieldSet).append(timestamp(e, time)).toString();
    }

    /** The point's timestamp: the event's time in whole milliseconds plus {@code position mod 10^6} nanoseconds. */
    static long timestamp(RecordedEvent e, Instant eventTime) {
        return Math.addExact(Math.multiplyExact(millis(e, eventTime), NANOS_PER_MILLI), e.position() % NANOS_PER_MILLI);
    }

    private static long millis(RecordedEvent e, Instant eventTime) {
        return (eventTime != null ? eventTime : e.recordedAt()).toEpochMilli();
    }

    private static String decimal(BigDecimal amount) {
        if (amount == null) {
            throw new IllegalArgumentException("amount is missing");
        }
        return amount.toPlainString();
    }

    /**
     * The creation time (whole ms) of each order cancelled in this batch: from its OrderCreated in the batch, else
     * from its CREATED point, found with one InfluxQL query for all of them.
     */
    private Map<String, Long> createdMillisOfCancelledOrders(List<Decoded> events) {
        Map<String, Long> created = new HashMap<>();
        Map<String, Instant> toLookUp = new LinkedHashMap<>();
        for (Decoded d : events) {
            if (d.data() instanceof OrderCreated c) {
                created.put(d.event().streamId(), millis(d.event(), c.createdAt()));
            } else if (d.data() instanceof OrderCancelled c && !created.containsKey(d.event().streamId())) {
                toLookUp.put(d.event().streamId(), Instant.ofEpochMilli(millis(d.event(), c.cancelledAt())));
            }
        }
        if (toLookUp.isEmpty()) {
            return created;
        }
        Instant earliest = toLookUp.values().stream().min(Instant::compareTo).orElseThrow().minus(cancellationLookback);
        Instant latest = toLookUp.values().stream().max(Instant::compareTo).orElseThrow();
        StringJoiner ids = new StringJoiner(" OR ", "(", ")");
        toLookUp.keySet().forEach(id -> ids.add("\"order_id\" = " + InfluxNames.literal(id)));
        String sql = """
                SELECT "order_id" FROM %s
                WHERE "status" = 'CREATED' AND time >= %d AND time < %d AND %s
                """.formatted(InfluxNames.identifier(names.orderLifecycle()),
                earliest.toEpochMilli() * NANOS_PER_MILLI, (latest.toEpochMilli() + 1) * NANOS_PER_MILLI, ids);
        InfluxQLQueryResult result = client.getInfluxQLQueryApi().queryJSON(
                InfluxQL.query(sql, bucket).setPrecision(InfluxQLQuery.InfluxQLPrecision.NANOSECONDS));
        for (InfluxQLQueryResult.Result r : result.getResults()) {
            for (InfluxQLQueryResult.Series series : r.getSeries()) {
                for (InfluxQLQueryResult.Series.Record row : series.getValues()) {
                    String orderId = String.valueOf(row.getValueByKey("order_id"));
                    long createdMs = Math.floorDiv(Long.parseLong(String.valueOf(row.getValueByKey("time"))),
                            NANOS_PER_MILLI);
                    Instant cancelled = toLookUp.get(orderId);
                    // Per order, not per batch window: the result must not depend on how events were batched.
                    if (cancelled != null && !Instant.ofEpochMilli(createdMs).isBefore(cancelled.minus(cancellationLookback))) {
                        created.merge(orderId, createdMs, Math::min);
                    }
                }
            }
        }
        return created;
    }
}
