package io.projhub.projectors.elasticsearch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOptions;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.aggregations.Aggregate;
import co.elastic.clients.elasticsearch._types.aggregations.CalendarInterval;
import co.elastic.clients.elasticsearch._types.query_dsl.BoolQuery;
import co.elastic.clients.elasticsearch._types.query_dsl.Operator;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch._types.query_dsl.TextQueryType;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import io.projhub.core.domain.order.OrderStatus;
import io.projhub.core.eventstore.EventStore;

/**
 * The query side of the Elasticsearch read model: order search with filters and aggregations, count and lookup.
 * User text only ever goes into a {@code multi_match} (analyzed as text, never parsed as a query language);
 * filters are {@code term}/{@code range} queries in filter context. Reads go through the alias and see what the
 * last refresh made visible (Elasticsearch refreshes every second by default).
 */
public final class ElasticsearchOrderQueries {

    private static final Pattern ID = Pattern.compile(EventStore.STREAM_ID_PATTERN);
    private static final int MAX_CARRIERS = 100;

    private final ElasticsearchClient client;
    private final ElasticsearchOrderIndex index;

    public ElasticsearchOrderQueries(ElasticsearchClient client, String namespace) {
        this.client = client;
        this.index = new ElasticsearchOrderIndex(client, namespace);
    }

    /** One page of the orders matching {@code request}, with aggregations by status, carrier and day of creation. */
    public OrderSearchResult search(OrderSearchRequest request) throws IOException {
        Query query = Query.of(q -> q.bool(b -> bool(b, request)));
        List<SortOptions> sort = sortOf(request);
        SearchResponse<OrderDocument> response = client.search(s -> s
                .index(index.alias())
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
                OrderDocument.class);

        List<OrderDocument> hits = response.hits().hits().stream().map(Hit::source).toList();
        long total = response.hits().total() == null ? hits.size() : response.hits().total().value();
        return new OrderSearchResult(total, hits, aggregations(response.aggregations()));
    }

    /** How many orders the read model holds (as of the last refresh). */
    /**
     * Makes every document written so far visible to search. Elasticsearch refreshes about once a second; a query
     * that must see a given write (read-your-writes) refreshes first, the hot write path never does.
     */
    public void refresh() throws IOException {
        client.indices().refresh(r -> r.index(index.alias()).ignoreUnavailable(true).allowNoIndices(true));
    }

    public long count() throws IOException {
        return client.count(c -> c.index(index.alias()).ignoreUnavailable(true).allowNoIndices(true)).count();
    }

    /** The order document with this id (real-time: no refresh needed), if the read model has it. */
    public Optional<OrderDocument> findOrder(String orderId) throws IOException {
        if (orderId == null || !ID.matcher(orderId).matches()) {
            throw new IllegalArgumentException("orderId must match " + EventStore.STREAM_ID_PATTERN);
        }
        try {
            GetResponse<OrderDocument> found = client.get(g -> g.index(index.alias()).id(orderId), OrderDocument.class);
            return found.found() ? Optional.ofNullable(found.source()) : Optional.empty();
        } catch (ElasticsearchException e) {
            if (ElasticsearchProbe.isMissingIndex(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static BoolQuery.Builder bool(BoolQuery.Builder b, OrderSearchRequest r) {
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
