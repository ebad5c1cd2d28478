package io.projhub.projectors.elasticsearch;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One page of an order search: {@code total} matching orders, this page's {@code hits}, and aggregations over all
 * matches.
 */
public record OrderSearchResult(long total, List<OrderDocument> hits, Aggregations aggregations) {

    public OrderSearchResult {
        hits = List.copyOf(hits);
    }

    /**
     * @param status  matches per status; every status is present, 0 if none
     * @param carrier matches per carrier (orders not shipped have none and are not counted here)
     * @param perDay  matches per UTC day of creation, oldest first; days without orders are left out
     */
    public record Aggregations(Map<String, Long> status, Map<String, Long> carrier, List<DayCount> perDay) {
        public Aggregations {
            status = Collections.unmodifiableMap(new LinkedHashMap<>(status));
            carrier = Collections.unmodifiableMap(new LinkedHashMap<>(carrier));
            perDay = List.copyOf(perDay);
        }
    }

    /** Orders created on one UTC {@code date} (yyyy-MM-dd). */
    public record DayCount(String date, long count) {
    }
}
