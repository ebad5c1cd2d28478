package io.projhub.projectors.influxdb;

import java.time.Instant;
import java.util.List;

/**
 * The answer to a {@link SeriesQuery}: one bucket per (group, time bucket) that has points, ordered by group then
 * time. A bucket's {@code time} is its start (the start of the range without {@code every}); {@code group} is the
 * value of the {@code groupBy} tag ("" without one, or for points without that tag).
 *
 * <p>Values: {@code count} is a {@link Long}; {@code sum}, {@code min}, {@code max} are of the field's type
 * ({@link Long}, {@link Double}, or an exact {@link java.math.BigDecimal} of the field's scale for a decimal);
 * {@code mean} is a {@link Double}, or for a decimal the exact sum divided by the count as a
 * {@link java.math.BigDecimal} of the field's scale plus {@value InfluxDefinedReadModel#MEAN_EXTRA_SCALE} digits
 * (half-even).
 */
public record SeriesResult(String field, String fn, List<Bucket> buckets) {

    public SeriesResult {
        buckets = List.copyOf(buckets);
    }

    public record Bucket(Instant time, String group, Number value) {
    }
}
