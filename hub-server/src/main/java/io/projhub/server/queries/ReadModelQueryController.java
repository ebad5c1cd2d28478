package io.projhub.server.queries;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.projhub.core.domain.StreamIds;
import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel;
import io.projhub.projectors.elasticsearch.ElasticsearchOrderQueries;
import io.projhub.projectors.redis.RedisDefinedReadModel;
import io.projhub.projectors.elasticsearch.OrderSearchRequest;
import io.projhub.projectors.elasticsearch.OrderSearchResult;
import com.influxdb.client.InfluxDBClient;
import io.projhub.projectors.influxdb.InfluxDefinedReadModel;
import io.projhub.projectors.influxdb.InfluxLifecycleQueries;
import io.projhub.server.config.StoreProperties;
import io.projhub.projectors.influxdb.LifecycleGroupBy;
import io.projhub.projectors.influxdb.OrderLifecycleReport;
import io.projhub.projectors.neo4j.GraphView;
import io.projhub.projectors.neo4j.Neo4jDefinedReadModel;
import io.projhub.projectors.neo4j.Neo4jGraphQueries;
import org.neo4j.driver.Driver;
import io.projhub.projectors.redis.OrderStats;
import io.projhub.projectors.redis.RecentOrder;
import io.projhub.projectors.redis.RedisOrderQueries;
import io.projhub.server.web.InvalidParameterException;

/**
 * The query side over the four store read models: search (Elasticsearch), live stats (Redis), graphs (Neo4j),
 * lifecycle metrics (InfluxDB). Each query may carry a consistency token ({@code X-Consistency-Token}).
 */
@RestController
public class ReadModelQueryController {

    private final ReadModelResponses responses;
    private final OrderReadModels orders;
    private final ObjectProvider<ElasticsearchClient> elasticsearch;
    private final ObjectProvider<Driver> neo4j;
    private final ObjectProvider<InfluxDBClient> influx;
    private final ObjectProvider<StoreProperties> stores;

    public ReadModelQueryController(ReadModelResponses responses, OrderReadModels orders,
                                    ObjectProvider<ElasticsearchClient> elasticsearch,
                                    ObjectProvider<Driver> neo4j,
                                    ObjectProvider<InfluxDBClient> influx, ObjectProvider<StoreProperties> stores) {
        this.responses = responses;
        this.orders = orders;
        this.elasticsearch = elasticsearch;
        this.neo4j = neo4j;
        this.influx = influx;
        this.stores = stores;
    }

    @GetMapping("/api/orders/search")
    public ResponseEntity<OrderSearchResult> search(
            @RequestParam(required = false) String q, @RequestParam(required = false) String status,
            @RequestParam(required = false) String customerId, @RequestParam(required = false) String carrier,
            @RequestParam(required = false) String from, @RequestParam(required = false) String to,
            @RequestParam(required = false) String page, @RequestParam(required = false) String size,
            @RequestParam(required = false) String sort,
            @RequestHeader(name = ConsistencyGate.TOKEN_HEADER, required = false) String token) throws Exception {
        OrderSearchRequest request = validated(() -> new OrderSearchRequest(q, status, customerId, carrier,
                instant("from", from), instant("to", to), QueryParameters.integer("page", page), QueryParameters.integer("size", size), sort));
        ElasticsearchOrderQueries queries = new ElasticsearchOrderQueries(required(elasticsearch, OrderReadModels.SEARCH),
                orders.require(OrderReadModels.SEARCH, ElasticsearchDefinedReadModel.class));
        // With a token the gate has made the write searchable (one refresh shared by every waiting request).
        return responses.answer(OrderReadModels.SEARCH, token, () -> queries.search(request));
    }

    @GetMapping("/api/stats/orders")
    public ResponseEntity<OrderStats> orderStats(
            @RequestHeader(name = ConsistencyGate.TOKEN_HEADER, required = false) String token) throws Exception {
        RedisOrderQueries queries = stats();
        return responses.answer(OrderReadModels.STATS, token, queries::orderStats);
    }

    @GetMapping("/api/orders/recent")
    public ResponseEntity<List<RecentOrder>> recentOrders(@RequestParam(required = false) String limit,
            @RequestHeader(name = ConsistencyGate.TOKEN_HEADER, required = false) String token) throws Exception {
        int bounded = QueryParameters.boundedInt("limit", limit, 1, RedisOrderQueries.MAX_RECENT_LIMIT, 20);
        RedisOrderQueries queries = stats();
        return responses.answer(OrderReadModels.STATS, token, () -> queries.recentOrders(bounded));
    }

    @GetMapping("/api/orders/{id}/graph")
    public ResponseEntity<GraphView> orderGraph(@PathVariable String id,
            @RequestHeader(name = ConsistencyGate.TOKEN_HEADER, required = false) String token) throws Exception {
        StreamIds.require("id", id);
        Neo4jGraphQueries queries = graphs();
        ResponseEntity<GraphView> answer = responses.answer(OrderReadModels.GRAPH, id, token,
                () -> queries.orderGraph(id).orElse(null));
        if (answer.getBody() == null) {
            throw new OrderQueryController.OrderNotFoundException(id, answer.getHeaders());
        }
        return answer;
    }

    @GetMapping("/api/customers/{id}/orders-graph")
    public ResponseEntity<GraphView> customerGraph(@PathVariable String id, @RequestParam(required = false) String limit,
            @RequestHeader(name = ConsistencyGate.TOKEN_HEADER, required = false) String token) throws Exception {
        StreamIds.require("id", id);
        int bounded = QueryParameters.boundedInt("limit", limit, 1,
                Neo4jGraphQueries.MAX_ORDERS_LIMIT, Neo4jGraphQueries.DEFAULT_MAX_ORDERS);
        Neo4jGraphQueries queries = graphs();
        // The graph spans the customer's order streams: a query over many streams (parked ones are counted).
        ResponseEntity<GraphView> answer = responses.answer(OrderReadModels.GRAPH, token,
                () -> queries.customerOrdersGraph(id, bounded).orElse(null));
        if (answer.getBody() == null) {
            throw new CustomerNotFoundException(id);
        }
        return answer;
    }

    @GetMapping("/api/metrics/order-lifecycle")
    public ResponseEntity<OrderLifecycleReport> orderLifecycle(@RequestParam(required = false) String range,
            @RequestParam(required = false) String groupBy,
            @RequestHeader(name = ConsistencyGate.TOKEN_HEADER, required = false) String token) throws Exception {
        var parsedRange = validated(() -> InfluxLifecycleQueries.parseRange(range == null ? "7d" : range));
        var parsedGroup = validated(() -> LifecycleGroupBy.parse(groupBy == null ? "carrier" : groupBy));
        InfluxLifecycleQueries queries = new InfluxLifecycleQueries(required(influx, OrderReadModels.LIFECYCLE),
                required(stores, OrderReadModels.LIFECYCLE).influxdb().bucket(),
                orders.require(OrderReadModels.LIFECYCLE, InfluxDefinedReadModel.class));
        return responses.answer(OrderReadModels.LIFECYCLE, token, () -> queries.orderLifecycle(parsedRange, parsedGroup));
    }

    /** No customer with this id in the graph. */
    public static final class CustomerNotFoundException extends org.springframework.web.server.ResponseStatusException {
        public CustomerNotFoundException(String id) {
            super(org.springframework.http.HttpStatus.NOT_FOUND, "No customer " + id + " in the graph");
        }
    }

    private Neo4jGraphQueries graphs() {
        return new Neo4jGraphQueries(required(neo4j, OrderReadModels.GRAPH),
                orders.require(OrderReadModels.GRAPH, Neo4jDefinedReadModel.class));
    }

    private RedisOrderQueries stats() {
        return new RedisOrderQueries(orders.require(OrderReadModels.STATS, RedisDefinedReadModel.class));
    }

    private static <T> T required(ObjectProvider<T> provider, String readModel) {
        T queries = provider.getIfAvailable();
        if (queries == null) {
            throw new ReadModelResponses.ReadModelDisabledException(readModel);
        }
        return queries;
    }

    /**
     * Runs a read model's own validation; its {@link IllegalArgumentException} messages begin with the name of the
     * offending parameter, which becomes the problem's {@code parameter}.
     */
    private static <T> T validated(java.util.function.Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            int space = message.indexOf(' ');
            throw new InvalidParameterException(space > 0 ? message.substring(0, space) : "query", message);
        }
    }

    /** An ISO-8601 instant ({@code 2026-11-25T10:00:00Z}) or a date ({@code 2026-11-25}, midnight UTC); nothing looser. */
    static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String text = value.strip();
        try {
            return text.length() == 10 ? LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new InvalidParameterException(name, name + " must be an ISO-8601 instant (2026-11-25T10:00:00Z) or date "
                    + "(2026-11-25), was '" + QueryParameters.abbreviate(value) + "'");
        }
    }
}
