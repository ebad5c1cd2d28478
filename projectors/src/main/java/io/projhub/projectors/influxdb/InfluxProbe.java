package io.projhub.projectors.influxdb;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.query.InfluxQLQueryResult;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.ReadModelProbe;

/**
 * Reads the InfluxDB read model's progress from InfluxDB itself, with InfluxQL. Every query is bounded in time, so it
 * reads a few shards, never every point the measurement ever had:
 * <ul>
 * <li>the checkpoint is one point at a fixed time ({@link InfluxOrderProjector#CHECKPOINT_TIMESTAMP}), read at exactly
 * that time (and, only if there is none, the point older versions wrote at time 0);</li>
 * <li>skipped versions lie at fixed times too ({@link InfluxOrderProjector#RECORDS_TIMESTAMP} plus the version;
 * older versions wrote them in the first day of 1970);</li>
 * <li>a stream's version from its event points is looked for in the last {@code horizon} only
 * ({@value #DEFAULT_HORIZON_DAYS} days by default, as far back as the lifecycle queries and the cancellation lookup
 * go): the probe answers the consistency monitor, which asks about events just appended, stamped with their own
 * time. Points are stamped with their event's time, and {@code order_id}/{@code account_id} are fields, not indexed
 * tags, so without a bound the query would read every point of both measurements. With a retention shorter than the
 * horizon, the retention bounds it already (older shards no longer exist). A stream whose last event lies further
 * back answers the version of its last event inside the horizon (0 if none). The query ends before
 * {@link InfluxOrderProjector#RECORDS_TIMESTAMP}: that shard group holds the records, no events.</li>
 * </ul>
 */
public final class InfluxProbe implements ReadModelProbe {

    public static final int DEFAULT_HORIZON_DAYS = 90;
    public static final Duration DEFAULT_HORIZON = Duration.ofDays(DEFAULT_HORIZON_DAYS);

    /** Versions before this one stamped a skipped version with the version itself in nanoseconds: in 1970's first day. */
    private static final long LEGACY_SKIPPED_END = Duration.ofDays(1).toNanos();

    private static final Pattern STREAM_ID = Pattern.compile(EventStore.STREAM_ID_PATTERN);

    private final InfluxDBClient client;
    private final String bucket;
    private final InfluxNames names;
    private final Duration horizon;

    public InfluxProbe(InfluxDBClient client, String bucket, String namespace) {
        this(client, bucket, namespace, DEFAULT_HORIZON);
    }

    /**
     * @param bucket  the bucket, or {@code database/retention-policy}
     * @param horizon how far back {@link #appliedVersion} looks for a stream's event points (see the class comment)
     */
    public InfluxProbe(InfluxDBClient client, String bucket, String namespace, Duration horizon) {
        if (horizon == null || horizon.isNegative() || horizon.toMillis() < 1) {
            throw new IllegalArgumentException("horizon must be at least 1ms, was " + horizon);
        }
        this.client = client;
        this.bucket = bucket;
        this.names = new InfluxNames(namespace);
        this.horizon = horizon;
    }

    @Override
    public String name() {
        return InfluxOrderProjector.NAME;
    }

    /** The checkpoint point's (tx_id, position); {@link LogPosition#START} if there is none. */
    @Override
    public LogPosition checkpoint() {
        InfluxQLQueryResult result = query(checkpointStatements());
        for (int index = 0; index < 2; index++) {
            for (InfluxQLQueryResult.Series series : InfluxQL.series(result, index)) {
                for (InfluxQLQueryResult.Series.Record row : series.getValues()) {
                    return new LogPosition(InfluxQL.longValue(row, "tx_id"), InfluxQL.longValue(row, "position"));
                }
            }
        }
        return LogPosition.START;
    }

    /**
     * The highest {@code stream_version} among the points of the order or account {@code streamId} within the horizon
     * and its skipped versions; 0 if none. One request of three statements.
     */
    @Override
    public long appliedVersion(String streamId) {
        long version = 0;
        for (InfluxQLQueryResult.Series series : InfluxQL.series(query(appliedVersionStatements(streamId)))) {
            for (InfluxQLQueryResult.Series.Record row : series.getValues()) {
                version = Math.max(version, InfluxQL.longValue(row, "version"));
            }
        }
        return version;
    }

    /** The checkpoint point at its time, then the one older versions wrote at time 0. */
    List<String> checkpointStatements() {
        return List.of(checkpointAt(InfluxOrderProjector.CHECKPOINT_TIMESTAMP),
                checkpointAt(InfluxOrderProjector.LEGACY_CHECKPOINT_TIMESTAMP));
    }

    private String checkpointAt(long timestamp) {
        return """
                SELECT last("tx_id") AS "tx_id", last("position") AS "position" FROM %s \
                WHERE "projector" = %s AND time = %d""".formatted(
                InfluxNames.identifier(InfluxNames.CHECKPOINT_MEASUREMENT), InfluxNames.literal(names.checkpointKey()),
                timestamp);
    }

    /** The stream's event points within the horizon, its skipped versions, those older versions wrote. */
    List<String> appliedVersionStatements(String streamId) {
        if (streamId == null || !STREAM_ID.matcher(streamId).matches()) {
            throw new IllegalArgumentException("streamId must match " + EventStore.STREAM_ID_PATTERN);
        }
        String id = InfluxNames.literal(streamId);
        String skipped = InfluxNames.identifier(names.skippedVersions());
        return List.of("""
                        SELECT max("stream_version") AS "version" FROM %s, %s \
                        WHERE ("order_id" = %s OR "account_id" = %s) AND time > now() - %dms AND time < %d"""
                        .formatted(InfluxNames.identifier(names.orderLifecycle()),
                                InfluxNames.identifier(names.accountFlow()), id, id, horizon.toMillis(),
                                InfluxOrderProjector.RECORDS_TIMESTAMP),
                """
                        SELECT max("stream_version") AS "version" FROM %s WHERE "stream" = %s AND time >= %d"""
                        .formatted(skipped, id, InfluxOrderProjector.RECORDS_TIMESTAMP),
                """
                        SELECT max("stream_version") AS "version" FROM %s WHERE "stream" = %s AND time < %d"""
                        .formatted(skipped, id, LEGACY_SKIPPED_END));
    }

    private InfluxQLQueryResult query(List<String> statements) {
        return client.getInfluxQLQueryApi().queryJSON(InfluxQL.query(String.join(";\n", statements), bucket));
    }
}
