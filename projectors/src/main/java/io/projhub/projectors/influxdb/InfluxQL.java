package io.projhub.projectors.influxdb;

import java.util.ArrayList;
import java.util.List;

import com.influxdb.client.domain.InfluxQLQuery;
import com.influxdb.query.InfluxQLQueryResult;

/**
 * Reading InfluxQL results of {@code queryJSON}. Two traits of the client (7.5.0) shape every query here: it hands
 * every value over as text and fails on a JSON null, so queries select only values every row has (one field per
 * statement where fields are sparse); and it drops a statement's {@code error} (e.g. "database not found"), which
 * then reads as "no data" — harmless for the projector, whose write to a missing database fails loudly.
 */
final class InfluxQL {

    private InfluxQL() {
    }

    /**
     * {@code sql} for {@code bucket}. A bucket named {@code database/retention-policy} (how InfluxDB 1.8+ and 2.x
     * name a retention policy of a database as a bucket) is queried as that database with that retention policy, so
     * reads see what writes to that bucket wrote; any other name is the database, with its default policy.
     */
    static InfluxQLQuery query(String sql, String bucket) {
        int slash = bucket.indexOf('/');
        if (slash < 0) {
            return new InfluxQLQuery(sql, bucket);
        }
        return new InfluxQLQuery(sql, bucket.substring(0, slash)).setRetentionPolicy(bucket.substring(slash + 1));
    }

    /** The series of every statement of a result, in statement order. */
    static List<InfluxQLQueryResult.Series> series(InfluxQLQueryResult result) {
        List<InfluxQLQueryResult.Series> all = new ArrayList<>();
        if (result != null && result.getResults() != null) {
            for (InfluxQLQueryResult.Result r : result.getResults()) {
                all.addAll(r.getSeries());
            }
        }
        return all;
    }

    /** The series of statement {@code index} (0-based). */
    static List<InfluxQLQueryResult.Series> series(InfluxQLQueryResult result, int index) {
        List<InfluxQLQueryResult.Series> all = new ArrayList<>();
        if (result != null && result.getResults() != null) {
            for (InfluxQLQueryResult.Result r : result.getResults()) {
                if (r.getIndex() == index) {
                    all.addAll(r.getSeries());
                }
            }
        }
        return all;
    }

    static String text(InfluxQLQueryResult.Series.Record row, String column) {
        Object value = row.getValueByKey(column);
        return value == null ? null : String.valueOf(value);
    }

    static long longValue(InfluxQLQueryResult.Series.Record row, String column) {
        String text = text(row, column);
        if (text == null) {
            throw new IllegalStateException("InfluxQL result has no " + column);
        }
        // Integers come back as integers; an aggregate over floats may come back in exponent form.
        return text.matches("-?\\d+") ? Long.parseLong(text) : new java.math.BigDecimal(text).longValueExact();
    }
}
