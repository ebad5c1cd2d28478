package io.projhub.projectors.elasticsearch;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Currency;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOptions;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.aggregations.Aggregate;
import co.elastic.clients.elasticsearch._types.aggregations.CalendarInterval;
import co.elastic.clients.elasticsearch._types.query_dsl.BoolQuery;
import co.elastic.clients.elasticsearch._types.query_dsl.Operator;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch._types.query_dsl.TextQueryType;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import io.projhub.core.domain.order.OrderStatus;
import io.projhub.core.eventstore.EventStore;

/**
 * The query side of the Elasticsearch read model: order search with filters and aggregations, count and lookup.
 * The documents are those of the {@code order-search} read model (read-models/order-search.yaml); its deleted
 * documents (tombstones) are never found.
 * User text only ever goes into a {@code multi_match} (analyzed as text, never parsed as a query language);
 * filters are {@code term}/{@code range} queries in filter context. Reads go through the alias and see what the
 * last refresh made visible (Elasticsearch refreshes every second by default).
 */
public final class ElasticsearchOrderQueries {

    private static final Pattern ID = Pattern.compile(EventStore.STREAM_ID_PATTERN);
    private static final int MAX_CARRIERS = 100;

    private final ElasticsearchClient client;
    private final ElasticsearchDefinedReadModel orders;

    /** @param orders the live version of the {@code order-search} read model (read-models/order-search.yaml) */
    public ElasticsearchOrderQueries(ElasticsearchClient client, ElasticsearchDefinedReadModel orders) {
        this.client = client;
        this.orders = orders;
    }

    /** One page of the orders matching {@code request}, with aggregations by status, carrier and day of creation. */
    public OrderSearchResult search(OrderSearchRequest request) throws IOException {
        Query query = Query.of(q -> q.bool(b -> bool(b, request)));
        List<SortOptions> sort = sortOf(request);
        SearchResponse<ExactSource> response = client.search(s -> s
                .index(orders.concreteIndex())
                .ignoreUnavailable(true)
                .allowNoIndices(true)
                .query(query)
                .from(request.page() * request.size())
                .size(request.size())
                .sort(sort)
                .trackTotalHits(t -> t.enabled(true))
                .aggregations("status", a -> a.terms(t -> t.field("status").size(OrderStatus.values().length)))
                .aggregations("carrier", a -> a.terms(t -> t.field("carrier").size(MAX_CARRIERS)))
                .aggregations("perDay", a -> a.dateHistogram(d -> d.field("createdAt")
                        .calendarInterval(CalendarInterval.Day).format("yyyy-MM-dd").minDocCount(1))),
                ExactSource.class);

        List<OrderDocument> hits = response.hits().hits().stream()
                .map(hit -> document(String.valueOf(hit.source().fields().getOrDefault(ElasticsearchDefinedReadModel.KEY,
                        hit.id())), orders.typed(hit.source().fields())))
                .toList();
        long total = response.hits().total() == null ? hits.size() : response.hits().total().value();
        return new OrderSearchResult(total, hits, aggregations(response.aggregations()));
    }

    /**
     * Makes every document written so far visible to search. Elasticsearch refreshes about once a second; a query
     * that must see a given write (read-your-writes) refreshes first, the hot write path never does.
     */
    public void refresh() throws IOException {
        orders.refresh();
    }

    /** The order document with this id (real-time: no refresh needed), if the read model has it. */
    public Optional<OrderDocument> findOrder(String orderId) throws IOException {
        if (orderId == null || !ID.matcher(orderId).matches()) {
            throw new IllegalArgumentException("orderId must match " + EventStore.STREAM_ID_PATTERN);
        }
        return orders.document(orderId, 1).map(fields -> document(orderId, fields));
    }

    /** An order document of the definition's fields (typed as {@link ElasticsearchDefinedReadModel#document}). */
    @SuppressWarnings("unchecked")
    static OrderDocument document(String orderId, Map<String, Object> fields) {
        String currency = (String) fields.get("currency");
        Object total = fields.get("totalAmount");
        return new OrderDocument(orderId, (String) fields.get("customerId"), (String) fields.get("customerName"),
                (List<String>) fields.getOrDefault("itemNames", List.of()), (String) fields.get("status"),
                total == null ? null : money((BigDecimal) total, currency), currency, instant(fields.get("createdAt")),
                instant(fields.get("shippedAt")), instant(fields.get("cancelledAt")), (String) fields.get("carrier"),
                (String) fields.get("trackingNumber"),
                fields.get("streamVersion") == null ? 0 : ((Number) fields.get("streamVersion")).longValue());
    }

    /** Amounts are stored with four decimals; callers get them at their currency's scale, as they were sent. */
    private static BigDecimal money(BigDecimal amount, String currency) {
        if (currency == null) {
            return amount;
        }
        int scale = Currency.getInstance(currency.strip()).getDefaultFractionDigits();
        return amount.setScale(Math.max(scale, 0), RoundingMode.UNNECESSARY);
    }

    private static Instant instant(Object value) {
        return value == null ? null : Instant.parse(value.toString());
    }

    private static BoolQuery.Builder bool(BoolQuery.Builder b, OrderSearchRequest r) {
        b.filter(f -> f.term(t -> t.field(ElasticsearchDefinedReadModel.DELETED).value(false)));
        if (r.q() != null) {
            // cross_fields + AND: "ada widget" finds Ada's orders containing a widget.
            b.must(m -> m.multiMatch(mm -> mm.query(r.q()).fields("customerName", "itemNames")
                    .type(TextQueryType.CrossFields).operator(Operator.And)));
        }
        if (r.status() != null) {
            b.filter(f -> f.term(t -> t.field("status").value(FieldValue.of(r.status()))));
        }
        if (r.customerId() != null) {
            b.filter(f -> f.term(t -> t.field("customerId").value(FieldValue.of(r.customerId()))));
        }
        if (r.carrier() != null) {
            b.filter(f -> f.term(t -> t.field("carrier").value(FieldValue.of(r.carrier()))));
        }
        if (r.from() != null || r.to() != null) {
            b.filter(f -> f.range(rq -> rq.date(d -> {
                d.field("createdAt");
                if (r.from() != null) {
                    d.gte(r.from().toString());
                }
                if (r.to() != null) {
                    d.lt(r.to().toString());
                }
                return d;
            })));
        }
        return b;
    }

    private static List<SortOptions> sortOf(OrderSearchRequest r) {
        List<SortOptions> sort = new ArrayList<>();
        OrderSearchRequest.Sort requested = r.parsedSort();
        if (requested != null) {
            sort.add(SortOptions.of(s -> s.field(f -> f.field(requested.field())
                    .order(requested.descending() ? SortOrder.Desc : SortOrder.Asc))));
        } else if (r.q() != null) {
            sort.add(SortOptions.of(s -> s.score(sc -> sc.order(SortOrder.Desc))));
        } else {
            sort.add(SortOptions.of(s -> s.field(f -> f.field("createdAt").order(SortOrder.Desc))));
        }
        // A unique tie-breaker makes pages stable.
        sort.add(SortOptions.of(s -> s.field(f -> f.field("orderId").order(SortOrder.Asc))));
        return sort;
    }

    private static OrderSearchResult.Aggregations aggregations(Map<String, Aggregate> aggs) {
        Map<String, Long> status = new LinkedHashMap<>();
        for (OrderStatus s : OrderStatus.values()) {
            status.put(s.name(), 0L);
        }
        Map<String, Long> carrier = new LinkedHashMap<>();
        List<OrderSearchResult.DayCount> perDay = new ArrayList<>();
        if (aggs.get("status") != null) {
            aggs.get("status").sterms().buckets().array()
                    .forEach(b -> status.put(b.key().stringValue(), b.docCount()));
        }
        if (aggs.get("carrier") != null) {
            aggs.get("carrier").sterms().buckets().array()
                    .forEach(b -> carrier.put(b.key().stringValue(), b.docCount()));
        }
        if (aggs.get("perDay") != null) {
            aggs.get("perDay").dateHistogram().buckets().array()
                    .forEach(b -> perDay.add(new OrderSearchResult.DayCount(b.keyAsString(), b.docCount())));
        }
        return new OrderSearchResult.Aggregations(status, carrier, perDay);
    }
}
