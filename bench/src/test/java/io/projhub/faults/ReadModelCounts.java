package io.projhub.faults;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.neo4j.driver.Record;
import org.neo4j.driver.Session;

import com.influxdb.client.domain.InfluxQLQuery;
import com.influxdb.query.InfluxQLQueryResult;

import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import io.projhub.bench.BenchStores;
import io.projhub.definitions.DefinedReadModel;
import io.projhub.projectors.elasticsearch.ElasticsearchDefinedReadModel;
import io.projhub.projectors.influxdb.InfluxDefinedReadModel;
import io.projhub.projectors.jdbc.JdbcDefinedReadModel;
import io.projhub.projectors.neo4j.Neo4jDefinedReadModel;
import io.projhub.projectors.redis.OrderStats;
import io.projhub.projectors.redis.RedisDefinedReadModel;
import io.projhub.projectors.redis.RedisOrderQueries;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Orders, shipped and cancelled orders as each read model holds them, read from the stores themselves (the bench
 * namespace, database, Redis database and bucket; Neo4j, whose graph is shared, by the run's stream-id prefix), next
 * to the event log's own counts.
 */
record ReadModelCounts(Map<String, Counts> byStore) {

    /** Orders created, shipped, cancelled. */
    record Counts(long orders, long shipped, long cancelled) {
        @Override
        public String toString() {
            return orders + " / " + shipped + " / " + cancelled;
        }
    }

    static final List<String> READ_MODELS = List.of("order-details", "order-search", "order-stats", "order-graph", "order-lifecycle");

    /** Sources {@link #rows()} and {@link #mismatches()} cover: the log, each read model, Redis's counters. */
    static final List<String> SOURCES = List.of("log", "order-details", "order-search", "order-stats",
            "order-stats counters", "order-graph", "order-lifecycle");

    Counts of(String store) {
        return byStore.get(store);
    }

    /** The log's counts (key {@code log}) and every read model's, for the run's streams. */
    static ReadModelCounts measure(FaultHarness harness, String prefix) throws Exception {
        return measure(harness, prefix, true);
    }

    /**
     * The log's counts (key {@code log}) and every read model's, for the streams starting with {@code prefix}. With
     * {@code wholeNamespace} (the namespace holds only this run's orders) Redis's statistics counters, which count
     * the whole namespace, are compared too ({@code redis stats}).
     */
    static ReadModelCounts measure(FaultHarness harness, String prefix, boolean wholeNamespace) throws Exception {
        // Right after a store restarts, the test's own pooled connections to it are dead (Redis: "Unexpected end of
        // stream", Neo4j: a defunct connection): a transient failure of the measurement, not of the hub.
        for (int attempt = 1; ; attempt++) {
            try {
                return measureOnce(harness, prefix, wholeNamespace);
            } catch (Exception e) {
                if (attempt >= 5 || io.projhub.core.projection.FailureKind.ofCauseChain(e)
                        != io.projhub.core.projection.FailureKind.TRANSIENT) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
    }

    private static ReadModelCounts measureOnce(FaultHarness harness, String prefix, boolean wholeNamespace)
            throws Exception {
        Map<String, Counts> counts = new LinkedHashMap<>();
        Map<String, Long> log = harness.logCountsByType(prefix);
        counts.put("log", new Counts(log.getOrDefault("OrderCreated", 0L), log.getOrDefault("OrderShipped", 0L),
                log.getOrDefault("OrderCancelled", 0L)));
        BenchStores stores = harness.stores();
        counts.put("order-details", jdbc((JdbcDefinedReadModel) defined(stores, "order-details"), stores, prefix));
        counts.put("order-search", elasticsearch((ElasticsearchDefinedReadModel) defined(stores, "order-search"),
                stores, prefix));
        RedisDefinedReadModel stats = (RedisDefinedReadModel) defined(stores, "order-stats");
        counts.put("order-stats", redisOrders(stats, stores, prefix));
        if (wholeNamespace) {
            counts.put("order-stats counters", redisStats(stats));
        }
        counts.put("order-graph", neo4j((Neo4jDefinedReadModel) defined(stores, "order-graph"), stores, prefix));
        counts.put("order-lifecycle", influx((InfluxDefinedReadModel) defined(stores, "order-lifecycle"), stores,
                prefix));
        return new ReadModelCounts(counts);
    }

    /** Read models whose counts differ from the log's. */
    List<String> mismatches() {
        Counts log = byStore.get("log");
        List<String> wrong = new ArrayList<>();
        byStore.forEach((store, c) -> {
            if (!c.equals(log)) {
                wrong.add(store + " has " + c + " (orders / shipped / cancelled), the log " + log);
            }
        });
        return wrong;
    }

    /** Rows for a report table: store, orders, shipped, cancelled. */
    List<List<Object>> rows() {
        List<List<Object>> rows = new ArrayList<>();
        byStore.forEach((store, c) -> rows.add(List.of(store, c.orders(), c.shipped(), c.cancelled())));
        return rows;
    }

    static final List<String> HEADER = List.of("source", "orders", "shipped", "cancelled");

    private static DefinedReadModel defined(BenchStores stores, String name) throws Exception {
        return stores.definedReadModels(List.of(name)).get(0);
    }

    private static Counts jdbc(JdbcDefinedReadModel orders, BenchStores stores, String prefix) throws Exception {
        Map<String, Long> byStatus = new LinkedHashMap<>();
        try (Connection c = stores.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "select status, count(*) from " + BenchStores.RELATIONAL_SCHEMA + "." + orders.tableName()
                        + " where starts_with(key, ?) group by status")) {
            ps.setString(1, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byStatus.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return fromStatuses(byStatus);
    }

    private static Counts elasticsearch(ElasticsearchDefinedReadModel orders, BenchStores stores, String prefix)
            throws Exception {
        orders.refresh();
        String index = orders.concreteIndex();
        Map<String, Long> byStatus = new LinkedHashMap<>();
        for (String status : List.of("CREATED", "SHIPPED", "CANCELLED")) {
            Query query = Query.of(q -> q.bool(b -> b
                    .filter(f -> f.prefix(p -> p.field("orderId").value(prefix)))
                    .filter(f -> f.term(t -> t.field("status").value(status)))
                    .filter(f -> f.term(t -> t.field("projhub_deleted").value(false)))));
            byStatus.put(status, stores.elasticsearch().count(c -> c.index(index).ignoreUnavailable(true)
                    .allowNoIndices(true).query(query)).count());
        }
        return fromStatuses(byStatus);
    }

    /** The order hashes of the run (SCAN by key prefix, then each one's status in one pipeline). */
    private static Counts redisOrders(RedisDefinedReadModel orders, BenchStores stores, String prefix) {
        String pattern = orders.documentKey(prefix) + "*";
        List<String> keys = new ArrayList<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        ScanParams params = new ScanParams().match(pattern).count(2000);
        do {
            ScanResult<String> page = stores.redis().scan(cursor, params);
            keys.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        Map<String, Long> byStatus = new LinkedHashMap<>();
        List<Response<String>> statuses = new ArrayList<>();
        try (AbstractPipeline pipeline = stores.redis().pipelined()) {
            for (String key : keys) {
                statuses.add(pipeline.hget(key, "status"));
            }
            pipeline.sync();
        }
        for (Response<String> status : statuses) {
            byStatus.merge(String.valueOf(status.get()), 1L, Long::sum);
        }
        return fromStatuses(byStatus);
    }

    /** The namespace's statistics counters: orders ever created, current counts per status. */
    private static Counts redisStats(RedisDefinedReadModel orders) {
        OrderStats stats = new RedisOrderQueries(orders).orderStats();
        return new Counts(stats.total(), stats.byStatus().getOrDefault("SHIPPED", 0L),
                stats.byStatus().getOrDefault("CANCELLED", 0L));
    }

    private static Counts neo4j(Neo4jDefinedReadModel orders, BenchStores stores, String prefix) {
        Map<String, Long> byStatus = new LinkedHashMap<>();
        try (Session session = stores.neo4j().session()) {
            for (Record r : session.run("MATCH (o:Order {projhub_rm: $rm}) WHERE o.key STARTS WITH $prefix "
                    + "RETURN o.status AS status, count(*) AS n", Map.of("prefix", prefix, "rm", orders.marker()))
                    .list()) {
                byStatus.put(r.get("status").asString(null), r.get("n").asLong());
            }
        }
        return fromStatuses(byStatus);
    }

    /** The run's points per status in the namespace's order_lifecycle measurement (one point per event). */
    private static Counts influx(InfluxDefinedReadModel orders, BenchStores stores, String prefix) {
        String measurement = orders.measurement();
        // The prefix is [a-z0-9-] only (FaultHarness.prefix): safe inside a regex literal.
        InfluxQLQueryResult result = stores.influx().getInfluxQLQueryApi().queryJSON(new InfluxQLQuery(
                "SELECT count(\"order_id\") AS \"n\" FROM \"" + measurement + "\" WHERE \"order_id\" =~ /^"
                        + prefix + "/ GROUP BY \"status\"", stores.endpoints().influxBucket()));
        Map<String, Long> points = new LinkedHashMap<>();
        if (result != null && result.getResults() != null) {
            for (InfluxQLQueryResult.Result r : result.getResults()) {
                for (InfluxQLQueryResult.Series series : r.getSeries()) {
                    String status = series.getTags() == null ? "" : series.getTags().getOrDefault("status", "");
                    for (InfluxQLQueryResult.Series.Record row : series.getValues()) {
                        Object n = row.getValueByKey("n");
                        points.merge(status, n == null ? 0 : new BigDecimal(String.valueOf(n)).longValue(), Long::sum);
                    }
                }
            }
        }
        return new Counts(points.getOrDefault("CREATED", 0L), points.getOrDefault("SHIPPED", 0L),
                points.getOrDefault("CANCELLED", 0L));
    }

    /** From current statuses: every order was created; shipped and cancelled are final. */
    private static Counts fromStatuses(Map<String, Long> byStatus) {
        long all = byStatus.values().stream().mapToLong(Long::longValue).sum();
        return new Counts(all, byStatus.getOrDefault("SHIPPED", 0L), byStatus.getOrDefault("CANCELLED", 0L));
    }

    @Override
    public String toString() {
        return byStore.toString();
    }
}
