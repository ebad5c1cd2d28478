package io.projhub.projectors.influxdb;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An aggregate over one numeric field of a defined InfluxDB read model (see {@link InfluxDefinedReadModel#series}):
 * {@code fn} of {@code field} over a time range, in buckets of {@code every} (optional), one series per value of the
 * tag {@code groupBy} (optional), restricted to the points whose tags equal {@code where} (optional).
 *
 * <p>The range is either {@code range} (back from now) or {@code [from, to)}; exactly one of the two forms is given.
 *
 * @param field   a declared numeric field ({@code long}, {@code double}, {@code decimal})
 * @param fn      {@code mean}, {@code sum}, {@code count}, {@code min} or {@code max}
 * @param range   how far back from now, or null when {@code from} and {@code to} are given
 * @param from    the start of the range (inclusive), or null
 * @param to      the end of the range (exclusive), or null
 * @param every   the width of a time bucket, or null for one bucket over the whole range
 * @param groupBy a declared tag, or null
 * @param where   tag = value conditions (values are escaped, never spliced raw), possibly empty
 */
public record SeriesQuery(String field, String fn, Duration range, Instant from, Instant to, Duration every,
                          String groupBy, Map<String, String> where) {

    public SeriesQuery {
        where = where == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(where));
    }

    /** {@code fn(field)} over the last {@code range}. */
    public static SeriesQuery last(Duration range, String field, String fn) {
        return new SeriesQuery(field, fn, range, null, null, null, null, Map.of());
    }

    /** {@code fn(field)} over {@code [from, to)}. */
    public static SeriesQuery between(Instant from, Instant to, String field, String fn) {
        return new SeriesQuery(field, fn, null, from, to, null, null, Map.of());
    }

    public SeriesQuery every(Duration bucket) {
        return new SeriesQuery(field, fn, range, from, to, bucket, groupBy, where);
    }

    public SeriesQuery groupBy(String tag) {
        return new SeriesQuery(field, fn, range, from, to, every, tag, where);
    }

    public SeriesQuery where(String tag, String value) {
        Map<String, String> more = new LinkedHashMap<>(where);
        more.put(Objects.requireNonNull(tag, "tag"), Objects.requireNonNull(value, "value"));
        return new SeriesQuery(field, fn, range, from, to, every, groupBy, more);
    }
}
