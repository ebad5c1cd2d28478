package io.projhub.projectors.influxdb;

import java.util.regex.Pattern;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.domain.InfluxQLQuery;
import com.influxdb.query.InfluxQLQueryResult;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.ReadModelProbe;

/** Reads the InfluxDB read model's progress from InfluxDB itself, with InfluxQL. */
public final class InfluxProbe implements ReadModelProbe {

    private static final Pattern STREAM_ID = Pattern.compile(EventStore.STREAM_ID_PATTERN);

    private final InfluxDBClient client;
    private final String bucket;
    private final InfluxNames names;

    public InfluxProbe(InfluxDBClient client, String bucket, String namespace) {
        this.client = client;
        this.bucket = bucket;
        this.names = new InfluxNames(namespace);
    }

    @Override
    public String name() {
        return InfluxOrderProjector.NAME;
    }

    /** The checkpoint point's (tx_id, position); {@link LogPosition#START} if there is none. */
    @Override
    public LogPosition checkpoint() {
        String sql = """
                SELECT last("tx_id") AS "tx_id", last("position") AS "position" FROM %s WHERE "projector" = %s
                """.formatted(InfluxNames.identifier(InfluxNames.CHECKPOINT_MEASUREMENT),
                InfluxNames.literal(names.checkpointKey()));
        for (InfluxQLQueryResult.Series series : InfluxQL.series(query(sql))) {
            for (InfluxQLQueryResult.Series.Record row : series.getValues()) {
                return new LogPosition(InfluxQL.longValue(row, "tx_id"), InfluxQL.longValue(row, "position"));
            }
        }
        return LogPosition.START;
    }

    /**
     * The highest {@code stream_version} among the points of the order or account {@code streamId} and its skipped
     * versions; 0 if none. One request of two statements.
     */
    @Override
    public long appliedVersion(String streamId) {
        if (streamId == null || !STREAM_ID.matcher(streamId).matches()) {
            throw new IllegalArgumentException("streamId must match " + EventStore.STREAM_ID_PATTERN);
        }
        String id = InfluxNames.literal(streamId);
        String sql = """
                SELECT max("stream_version") AS "version" FROM %s, %s WHERE "order_id" = %s OR "account_id" = %s;
                SELECT max("stream_version") AS "version" FROM %s WHERE "stream" = %s
                """.formatted(InfluxNames.identifier(names.orderLifecycle()), InfluxNames.identifier(names.accountFlow()),
                id, id, InfluxNames.identifier(names.skippedVersions()), id);
        long version = 0;
        for (InfluxQLQueryResult.Series series : InfluxQL.series(query(sql))) {
            for (InfluxQLQueryResult.Series.Record row : series.getValues()) {
                version = Math.max(version, InfluxQL.longValue(row, "version"));
            }
        }
        return version;
    }

    private InfluxQLQueryResult query(String sql) {
        return client.getInfluxQLQueryApi().queryJSON(new InfluxQLQuery(sql, bucket));
    }
}
