package io.projhub.projectors.elasticsearch;

import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.projhub.core.domain.order.OrderStatus;
import io.projhub.core.eventstore.EventStore;

/**
 * A search over orders, validated on construction: every problem is an {@link IllegalArgumentException} whose
 * message starts with the offending parameter's name. Null means "not given" for every component.
 *
 * @param q          free text matched against customer name and item names (never parsed as a query language)
 * @param status     CREATED, SHIPPED or CANCELLED (case-insensitive)
 * @param customerId exact customer id
 * @param carrier    exact carrier name
 * @param from       orders created at or after this instant
 * @param to         orders created before this instant
 * @param page       0-based page, default 0
 * @param size       page size 1..{@value #MAX_SIZE}, default {@value #DEFAULT_SIZE}
 * @param sort       {@code field}, {@code field:asc}, {@code field:desc} or {@code -field} (descending), field one of
 *                   {@link #SORTABLE}'s keys; default: relevance when {@code q} is given, else newest first
 */
public record OrderSearchRequest(String q, String status, String customerId, String carrier, Instant from,
                                 Instant to, Integer page, Integer size, String sort) {

    public static final int DEFAULT_SIZE = 20;
    public static final int MAX_SIZE = 100;
    /** Elasticsearch's default {@code index.max_result_window}: deeper pages need search_after. */
    public static final int MAX_WINDOW = 10_000;
    public static final int MAX_TEXT = 256;

    /** Sortable names as callers write them, and the indexed field each sorts on. */
    public static final Map<String, String> SORTABLE = Map.of(
            "createdAt", "createdAt",
            "shippedAt", "shippedAt",
            "cancelledAt", "cancelledAt",
            "totalAmount", "totalAmount",
            "customerName", "customerName.raw",
            "status", "status",
            "carrier", "carrier",
            "orderId", "orderId");

    private static final Pattern ID = Pattern.compile(EventStore.STREAM_ID_PATTERN);
    private static final Pattern SORT = Pattern.compile("(-)?([A-Za-z]{1,32})(?::(asc|desc))?");

    /** A parsed {@code sort}: the indexed field and the direction. */
    public record Sort(String field, boolean descending) {
    }

    public OrderSearchRequest {
        q = blankToNull(q);
        if (q != null && q.length() > MAX_TEXT) {
            throw new IllegalArgumentException("q must be at most " + MAX_TEXT + " characters");
        }
        status = blankToNull(status);
        if (status != null) {
            String upper = status.toUpperCase(Locale.ROOT);
            if (Arrays.stream(OrderStatus.values()).noneMatch(s -> s.name().equals(upper))) {
                throw new IllegalArgumentException("status must be one of " + Arrays.toString(OrderStatus.values())
                        + ", was '" + abbreviate(status) + "'");
            }
            status = upper;
        }
        customerId = blankToNull(customerId);
        if (customerId != null && !ID.matcher(customerId).matches()) {
            throw new IllegalArgumentException("customerId must match " + EventStore.STREAM_ID_PATTERN);
        }
        carrier = blankToNull(carrier);
        if (carrier != null && carrier.length() > MAX_TEXT) {
            throw new IllegalArgumentException("carrier must be at most " + MAX_TEXT + " characters");
        }
        if (from != null && to != null && !from.isBefore(to)) {
            throw new IllegalArgumentException("from must be before to");
        }
        page = page == null ? 0 : page;
        size = size == null ? DEFAULT_SIZE : size;
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("size must be between 1 and " + MAX_SIZE + ", was " + size);
        }
        if (page < 0) {
            throw new IllegalArgumentException("page must not be negative, was " + page);
        }
        if ((long) (page + 1) * size > MAX_WINDOW) {
            throw new IllegalArgumentException("page is too deep: page * size must stay below " + MAX_WINDOW);
        }
        sort = blankToNull(sort);
        if (sort != null) {
            parseSort(sort);
        }
    }

    /** Everything, first page, default size and order. */
    public static OrderSearchRequest all() {
        return new OrderSearchRequest(null, null, null, null, null, null, null, null, null);
    }

    /** The parsed {@link #sort()}, null if none was given. */
    public Sort parsedSort() {
        return sort == null ? null : parseSort(sort);
    }

    private static Sort parseSort(String sort) {
        Matcher m = SORT.matcher(sort);
        String field = m.matches() ? SORTABLE.get(m.group(2)) : null;
        if (field == null) {
            throw new IllegalArgumentException("sort must be one of " + new TreeSet<>(SORTABLE.keySet())
                    + ", optionally as -field or field:asc|desc; was '" + abbreviate(sort) + "'");
        }
        if (m.group(1) != null && m.group(3) != null) {
            throw new IllegalArgumentException("sort takes either a '-' prefix or a ':asc|desc' suffix, not both");
        }
        return new Sort(field, m.group(1) != null || "desc".equals(m.group(3)));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
