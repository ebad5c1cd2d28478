package io.projhub.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.neo4j.driver.Session;
import org.neo4j.driver.Values;

import com.influxdb.client.domain.WritePrecision;

import io.projhub.core.eventstore.NewEvent;
import redis.clients.jedis.Pipeline;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The limit: the same order writes done with each store's own bulk API and no hub in between — Elasticsearch
 * {@code _bulk} (1,000 documents, external versions), a Redis pipeline (4 commands per event), Neo4j
 * {@code UNWIND … MERGE} (1,000 rows per transaction, uniqueness constraints), InfluxDB line protocol (5,000 lines per
 * write) and a PostgreSQL multi-row upsert (1,000 rows). Each store alone, then all five at once.
 * Its data lives under names no read model uses ({@code bench-limit…}) and is removed first.
 */
public final class StoreLimit {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /** One event as every store writes it: the order (or customer) it changes and the new state. */
    record Row(long version, String type, String orderId, String customerId, String status, String total,
               String currency, String carrier, long at) {
    }

    public record Rates(Map<String, Double> alone, Map<String, Double> together, double allFive,
                        Map<String, Double> cpuTogether) {
    }

    private final BenchStores stores;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public StoreLimit(BenchStores stores) {
        this.stores = stores;
    }

    public Rates measure(List<OrderWorkload.Append> appends) throws Exception {
        List<Row> rows = rows(appends);
        Map<String, Callable<Void>> writers = new LinkedHashMap<>();
        writers.put("elasticsearch", () -> elasticsearch(rows));
        writers.put("redis", () -> redis(rows));
        writers.put("neo4j", () -> neo4j(rows));
        writers.put("influxdb", () -> influx(rows));
        writers.put("postgres", () -> postgres(rows));

        prepare();
        Map<String, Double> alone = new LinkedHashMap<>();
        for (Map.Entry<String, Callable<Void>> writer : writers.entrySet()) {
            long begin = System.nanoTime();
            writer.getValue().call();
            alone.put(writer.getKey(), rows.size() * 1e9 / (System.nanoTime() - begin));
        }

        prepare();
        Map<String, Double> together = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(writers.size());
        try {
            CpuAccount.Snapshot cpuBefore = CpuAccount.snapshot();
            long begin = System.nanoTime();
            Map<String, Future<Long>> running = new LinkedHashMap<>();
            for (Map.Entry<String, Callable<Void>> writer : writers.entrySet()) {
                running.put(writer.getKey(), pool.submit(() -> {
                    writer.getValue().call();
                    return System.nanoTime();
                }));
            }
            long end = begin;
            for (Map.Entry<String, Future<Long>> done : running.entrySet()) {
                long finished = done.getValue().get();
                together.put(done.getKey(), rows.size() * 1e9 / (finished - begin));
                end = Math.max(end, finished);
            }
            double allFive = rows.size() * 1e9 / (end - begin);
            Map<String, Double> cpu = CpuAccount.between(cpuBefore, CpuAccount.snapshot());
            prepare();
            return new Rates(alone, together, allFive, cpu);
        } finally {
            pool.shutdownNow();
        }
    }

    static List<Row> rows(List<OrderWorkload.Append> appends) {
        List<Row> rows = new ArrayList<>();
        Map<String, Long> versions = new HashMap<>();
        Map<String, String> customerOf = new HashMap<>();
        for (OrderWorkload.Append append : appends) {
            for (NewEvent event : append.events()) {
                long version = versions.merge(append.streamId(), 1L, Long::sum);
                JsonNode d = event.data();
                String id = append.streamId();
                switch (event.type()) {
                    case "CustomerRegistered" -> rows.add(new Row(version, event.type(), null, id, "ACTIVE", "0", null,
                            null, rows.size()));
                    case "OrderCreated" -> {
                        customerOf.put(id, d.path("customerId").asString());
                        rows.add(new Row(version, event.type(), id, d.path("customerId").asString(), "CREATED",
                                d.path("totalAmount").asString(), d.path("currency").asString(), null, rows.size()));
                    }
                    case "OrderShipped" -> rows.add(new Row(version, event.type(), id, customerOf.get(id), "SHIPPED",
                            null, null, d.path("carrier").asString(), rows.size()));
                    default -> rows.add(new Row(version, event.type(), id, customerOf.get(id), "CANCELLED", null, null,
                            null, rows.size()));
                }
            }
        }
        return rows;
    }

    private String key(Row row) {
        return row.orderId() != null ? row.orderId() : row.customerId();
    }

    private void prepare() throws Exception {
        String es = stores.endpoints().elasticsearchUrl();
        http.send(HttpRequest.newBuilder(URI.create(es + "/bench-limit")).DELETE().build(),
                HttpResponse.BodyHandlers.discarding());
        send(HttpRequest.newBuilder(URI.create(es + "/bench-limit")).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(
                        "{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0}}")).build());
        for (String key : stores.redis().keys("bench-limit:*")) {
            stores.redis().del(key);
        }
        try (Session session = stores.neo4j().session()) {
            session.run("CREATE CONSTRAINT bench_limit_order IF NOT EXISTS FOR (o:LimitOrder) REQUIRE o.id IS UNIQUE").consume();
            session.run("CREATE CONSTRAINT bench_limit_customer IF NOT EXISTS FOR (c:LimitCustomer) REQUIRE c.id IS UNIQUE").consume();
            long deleted;
            do {
                deleted = session.run("MATCH (n) WHERE n:LimitOrder OR n:LimitCustomer WITH n LIMIT 2000 "
                        + "DETACH DELETE n RETURN count(*)").single().get(0).asLong();
            } while (deleted > 0);
        }
        influxQuery("DROP MEASUREMENT \"bench-limit\"");
        try (Connection c = stores.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("create table if not exists bench_limit_orders (id text primary key, customer_id text, "
                    + "status text, total numeric, currency text, carrier text, version bigint not null)");
            s.execute("truncate bench_limit_orders");
        }
    }

    private void influxQuery(String q) throws Exception {
        // InfluxDB 1.x: /query on the same front; 2.x ignores it (the measurement then stays, harmless).
        String url = stores.endpoints().influxUrl() + "/query?db=" + stores.endpoints().influxBucket() + "&q="
                + java.net.URLEncoder.encode(q, java.nio.charset.StandardCharsets.UTF_8);
        http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Token " + stores.endpoints().influxToken()).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    private String send(HttpRequest request) throws Exception {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(request.uri() + " → " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private Void elasticsearch(List<Row> rows) throws Exception {
        String url = stores.endpoints().elasticsearchUrl() + "/_bulk";
        for (int from = 0; from < rows.size(); from += 1000) {
            StringBuilder body = new StringBuilder(256 * 1000);
            for (Row row : rows.subList(from, Math.min(rows.size(), from + 1000))) {
                ObjectNode doc = JSON.createObjectNode().put("orderId", row.orderId()).put("customerId", row.customerId())
                        .put("status", row.status()).put("total", row.total()).put("currency", row.currency())
                        .put("carrier", row.carrier()).put("at", row.at());
                body.append("{\"index\":{\"_index\":\"bench-limit\",\"_id\":\"").append(key(row))
                        .append("\",\"version\":").append(row.version()).append(",\"version_type\":\"external\"}}\n")
                        .append(JSON.writeValueAsString(doc)).append('\n');
            }
            String response = send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
            if (response.contains("\"errors\":true") && !response.contains("version_conflict")) {
                throw new IllegalStateException("bulk errors: " + response.substring(0, Math.min(500, response.length())));
            }
        }
        return null;
    }

    private Void redis(List<Row> rows) {
        for (int from = 0; from < rows.size(); from += 1000) {
            try (Pipeline pipeline = stores.redis().pipelined()) {
                for (Row row : rows.subList(from, Math.min(rows.size(), from + 1000))) {
                    String key = "bench-limit:" + key(row);
                    pipeline.hset(key, Map.of("status", row.status(), "customerId", String.valueOf(row.customerId())));
                    pipeline.hset(key, "version", Long.toString(row.version()));
                    pipeline.zadd("bench-limit:recent", row.at(), key(row));
                    pipeline.hincrBy("bench-limit:stats", row.status(), 1);
                }
                pipeline.sync();
            }
        }
        return null;
    }

    private Void neo4j(List<Row> rows) {
        String cypher = """
                UNWIND $rows AS row
                MERGE (o:LimitOrder {id: row.key})
                SET o.status = row.status, o.version = row.version
                WITH o, row WHERE row.customerId IS NOT NULL AND row.type = 'OrderCreated'
                MERGE (c:LimitCustomer {id: row.customerId})
                MERGE (c)-[:PLACED]->(o)
                """;
        try (Session session = stores.neo4j().session()) {
            for (int from = 0; from < rows.size(); from += 1000) {
                List<Map<String, Object>> params = new ArrayList<>();
                for (Row row : rows.subList(from, Math.min(rows.size(), from + 1000))) {
                    Map<String, Object> p = new HashMap<>();
                    p.put("key", key(row));
                    p.put("status", row.status());
                    p.put("version", row.version());
                    p.put("type", row.type());
                    p.put("customerId", row.customerId());
                    params.add(p);
                }
                session.executeWrite(tx -> tx.run(cypher, Values.parameters("rows", params)).consume());
            }
        }
        return null;
    }

    private Void influx(List<Row> rows) {
        for (int from = 0; from < rows.size(); from += 5000) {
            List<String> lines = new ArrayList<>(5000);
            for (Row row : rows.subList(from, Math.min(rows.size(), from + 5000))) {
                lines.add("bench-limit,status=" + row.status() + ",kind=" + row.type() + " version=" + row.version()
                        + "i " + (1_700_000_000_000_000_000L + row.at()));
            }
            stores.influx().getWriteApiBlocking().writeRecords(stores.endpoints().influxBucket(),
                    stores.endpoints().influxOrg(), WritePrecision.NS, lines);
        }
        return null;
    }

    private Void postgres(List<Row> rows) throws Exception {
        try (Connection c = stores.dataSource().getConnection()) {
            c.setAutoCommit(false);
            for (int from = 0; from < rows.size(); from += 1000) {
                List<Row> chunk = new ArrayList<>();
                Map<String, Row> last = new LinkedHashMap<>();   // one row per key per statement (ON CONFLICT rule)
                for (Row row : rows.subList(from, Math.min(rows.size(), from + 1000))) {
                    last.put(key(row), row);
                }
                chunk.addAll(last.values());
                StringBuilder sql = new StringBuilder("insert into bench_limit_orders "
                        + "(id, customer_id, status, total, currency, carrier, version) values ");
                for (int i = 0; i < chunk.size(); i++) {
                    sql.append(i == 0 ? "" : ",").append("(?,?,?,?::numeric,?,?,?)");
                }
                sql.append(" on conflict (id) do update set status = excluded.status, carrier = coalesce(excluded.carrier, "
                        + "bench_limit_orders.carrier), version = excluded.version where bench_limit_orders.version < excluded.version");
                try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                    int p = 1;
                    for (Row row : chunk) {
                        ps.setString(p++, key(row));
                        ps.setString(p++, row.customerId());
                        ps.setString(p++, row.status());
                        ps.setString(p++, row.total());
                        ps.setString(p++, row.currency());
                        ps.setString(p++, row.carrier());
                        ps.setLong(p++, row.version());
                    }
                    ps.executeUpdate();
                }
                c.commit();
            }
        }
        return null;
    }
}
