package io.projhub.projectors.influxdb;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.query.InfluxQLQueryResult;

/**
 * The order lifecycle over the {@code order-lifecycle} read model's measurement, in InfluxQL (which InfluxDB 1.8+, 2.x with a DBRP mapping and 3.x
 * all answer; never Flux). User input never reaches the query text: the range becomes a number of milliseconds
 * and the grouping an enum's tag name.
 */
public final class InfluxLifecycleQueries {

    public static final Duration MAX_RANGE = Duration.ofDays(90);

    private static final Pattern SHORT_RANGE = Pattern.compile("([1-9][0-9]{0,6})(ms|s|m|h|d|w)");

    private final InfluxDBClient client;
    private final String bucket;
    private final InfluxDefinedReadModel orders;

    /** @param orders the live version of the {@code order-lifecycle} read model (read-models/order-lifecycle.yaml) */
    public InfluxLifecycleQueries(InfluxDBClient client, String bucket, InfluxDefinedReadModel orders) {
        this.client = client;
        this.bucket = bucket;
        this.orders = orders;
    }

    /**
     * Count, mean and percentiles of duration_ms, and amounts per currency, of the order events of the last
     * {@code range} (up to now), grouped by carrier or status. One request of three statements (one per field:
     * the client cannot read the nulls that mixing sparse fields would produce).
     *
     * @throws IllegalArgumentException ({@code range}, {@code groupBy}) if the range is not in (0, 90 days] or a
     *                                  parameter is missing
     */
    public OrderLifecycleReport orderLifecycle(Duration range, LifecycleGroupBy groupBy) {
        if (range == null || range.isNegative() || range.toMillis() < 1 || range.compareTo(MAX_RANGE) > 0) {
            throw new IllegalArgumentException("range must be between 1ms and " + MAX_RANGE.toDays() + " days, was "
                    + range);
        }
        if (groupBy == null) {
            throw new IllegalArgumentException("groupBy is required (carrier or status)");
        }
        String measurement = InfluxNames.identifier(orders.measurement());
        int amountScale = orders.program().definition().field("amount").scale();
        String tag = InfluxNames.identifier(groupBy.tag());
        String window = "time > now() - " + range.toMillis() + "ms AND time <= now()";
        String sql = """
                SELECT count("order_id") AS "count" FROM %1$s WHERE %2$s GROUP BY %3$s;
                SELECT mean("duration_ms") AS "mean", percentile("duration_ms", 50) AS "p50", \
                percentile("duration_ms", 95) AS "p95" FROM %1$s WHERE %2$s GROUP BY %3$s;
                SELECT sum("amount") AS "amount" FROM %1$s WHERE %2$s GROUP BY %3$s, "currency"
                """.formatted(measurement, window, tag);
        InfluxQLQueryResult result = client.getInfluxQLQueryApi().queryJSON(InfluxQL.query(sql, bucket));

        Map<String, Long> counts = new TreeMap<>();
        for (InfluxQLQueryResult.Series s : InfluxQL.series(result, 0)) {
            for (InfluxQLQueryResult.Series.Record row : s.getValues()) {
                counts.merge(key(s, groupBy), InfluxQL.longValue(row, "count"), Long::sum);
            }
        }
        Map<String, InfluxQLQueryResult.Series.Record> durations = new HashMap<>();
        for (InfluxQLQueryResult.Series s : InfluxQL.series(result, 1)) {
            s.getValues().forEach(row -> durations.put(key(s, groupBy), row));
        }
        Map<String, Map<String, BigDecimal>> amounts = new HashMap<>();
        for (InfluxQLQueryResult.Series s : InfluxQL.series(result, 2)) {
            String currency = s.getTags() == null ? "" : s.getTags().getOrDefault("currency", "");
            for (InfluxQLQueryResult.Series.Record row : s.getValues()) {
                // decimals are stored as integers of minor units (amount × 10^scale)
                BigDecimal amount = new BigDecimal(InfluxQL.text(row, "amount")).movePointLeft(amountScale);
                amounts.computeIfAbsent(key(s, groupBy), k -> new TreeMap<>())
                        .merge(currency, amount, BigDecimal::add);
            }
        }
        // Sums without trailing zeros (150.5, 25), as the API has always answered them.
        amounts.values().forEach(byCurrency -> byCurrency.replaceAll((currency, sum) -> plain(sum)));
        List<OrderLifecycleReport.Group> groups = new ArrayList<>();
        counts.forEach((key, count) -> {
            InfluxQLQueryResult.Series.Record d = durations.get(key);
            groups.add(new OrderLifecycleReport.Group(key, count,
                    d == null ? null : Double.valueOf(InfluxQL.text(d, "mean")),
                    d == null ? null : InfluxQL.longValue(d, "p50"),
                    d == null ? null : InfluxQL.longValue(d, "p95"),
                    amounts.getOrDefault(key, Map.of())));
        });
        return new OrderLifecycleReport(range, groupBy, groups);
    }

    /**
     * Reads a range as given to the REST API: {@code 30m}, {@code 24h}, {@code 7d}, {@code 2w} (also {@code ms},
     * {@code s}) or ISO-8601 ({@code PT24H}, {@code P7D}).
     *
     * @throws IllegalArgumentException ({@code range}) if it is neither
     */
    public static Duration parseRange(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("range is required, e.g. 24h or 7d");
        }
        String value = text.strip();
        Matcher m = SHORT_RANGE.matcher(value);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
        }
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("range must look like 30m, 24h, 7d or PT24H, was '"
                    + (value.length() > 40 ? value.substring(0, 40) + "…" : value) + "'", e);
        }
    }

    private static BigDecimal plain(BigDecimal sum) {
        BigDecimal stripped = sum.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }

    private static String key(InfluxQLQueryResult.Series series, LifecycleGroupBy groupBy) {
        return series.getTags() == null ? "" : series.getTags().getOrDefault(groupBy.tag(), "");
    }
}
