package io.projhub.projectors;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.neo4j.driver.Driver;

import io.projhub.core.domain.customer.CustomerRegistered;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.PartKeys;
import io.projhub.core.projection.Projector;
import io.projhub.definitions.DefinedReadModel;
import io.projhub.definitions.ReadModelProgram;
import io.projhub.projectors.neo4j.Neo4jConnector;
import io.projhub.projectors.neo4j.Neo4jDefinedReadModel;
import io.projhub.projectors.neo4j.Neo4jGraphQueries;
import io.projhub.projectors.redis.RedisConnector;
import io.projhub.projectors.redis.RedisDefinedReadModel;
import io.projhub.projectors.testing.OrderEventLog;
import io.projhub.projectors.testing.ShippedDefinitions;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;
import redis.clients.jedis.UnifiedJedis;

/**
 * A lane that splits its writes (issue 16) applies a batch's parts at once, then the checkpoint alone: the order
 * read models of the shipped definitions in real Neo4j and Redis end exactly as when the batch is written whole, although many orders share customers and products (placeholder nodes, counters, a sorted set), and
 * no part moves the checkpoint. The parts are made as the lane makes them: no key that {@link Projector#partKeys}
 * names is in two parts.
 */
@RealStores
class WrittenInPartsTest {

    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
    private static final int PARTS = 4;
    private static final String[] PRODUCTS = {"Widget", "Gadget", "Gizmo"};

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final List<String> customers = new ArrayList<>();
    private final List<String> orders = new ArrayList<>();

    private OrderEventLog log() {
        OrderEventLog log = new OrderEventLog(1);
        for (int c = 0; c < 4; c++) {
            String customer = "customer-" + run + "-" + c;
            customers.add(customer);
            log.append(customer, "customer", new CustomerRegistered(customer, "Customer " + c, c + "@example.org", T0),
                    T0);
        }
        for (int o = 0; o < 80; o++) {
            String order = "order-" + run + "-" + o;
            orders.add(order);
            Instant at = T0.plusSeconds(o);
            log.created(order, customers.get(o % 4), "Customer " + (o % 4), o % 3 == 0 ? "USD" : "EUR",
                    (o + 1) + ".25", at, PRODUCTS[o % 3], PRODUCTS[(o + 1) % 3]);
            if (o >= 2 && o % 2 == 0) {
                String earlier = orders.get(o - 2);
                log.shipped(earlier, o % 4 == 0 ? "DHL" : "UPS", "TRK-" + earlier, at.plusMillis(500), 500);
            }
            if (o >= 3 && o % 5 == 0) {
                log.cancelled(orders.get(o - 3), "changed mind", at.plusMillis(700));
            }
        }
        return log;
    }

    @Test
    void theOrderGraphWrittenInPartsIsTheGraphWrittenWhole(StoreEndpoints stores) throws Exception {
        OrderEventLog log = log();
        try (Driver driver = Neo4jConnector.connect(stores.neo4jUri(), stores.neo4jUser(), stores.neo4jPassword())) {
            Neo4jDefinedReadModel whole = new Neo4jDefinedReadModel(driver, "pw" + run,
                    ShippedDefinitions.program("order-graph"));
            Neo4jDefinedReadModel parts = new Neo4jDefinedReadModel(driver, "pp" + run,
                    ShippedDefinitions.program("order-graph"));
            try {
                whole.projector().apply(new EventBatch(log.events(), log.head()));
                writeInParts(parts, log);

                Neo4jGraphQueries wholeGraph = new Neo4jGraphQueries(driver, whole);
                Neo4jGraphQueries partsGraph = new Neo4jGraphQueries(driver, parts);
                for (String customer : customers) {
                    assertThat(partsGraph.customerOrdersGraph(customer)).isEqualTo(wholeGraph.customerOrdersGraph(customer))
                            .isPresent();
                }
                for (String order : orders) {
                    assertThat(partsGraph.orderGraph(order)).isEqualTo(wholeGraph.orderGraph(order)).isPresent();
                }
                sameVersions(whole, parts, log);
            } finally {
                whole.drop();
                parts.drop();
            }
        }
    }

    @Test
    void theOrderStatsWrittenInPartsAreTheStatsWrittenWhole(StoreEndpoints stores) throws Exception {
        OrderEventLog log = log();
        try (UnifiedJedis redis = RedisConnector.connect(stores.redisUrl())) {
            RedisDefinedReadModel whole = new RedisDefinedReadModel(redis, "pw" + run,
                    ShippedDefinitions.program("order-stats"));
            RedisDefinedReadModel parts = new RedisDefinedReadModel(redis, "pp" + run,
                    ShippedDefinitions.program("order-stats"));
            try {
                whole.projector().apply(new EventBatch(log.events(), log.head()));
                writeInParts(parts, log);

                List<String> counters = List.of("created", "status:CREATED", "status:SHIPPED", "status:CANCELLED",
                        "revenue:EUR", "revenue:USD");
                assertThat(parts.counters(counters)).isEqualTo(whole.counters(counters)).hasSize(counters.size());
                for (String counter : counters) {
                    assertThat(parts.counterContributions(counter)).isEqualTo(whole.counterContributions(counter));
                }
                assertThat(parts.documents(orders)).isEqualTo(whole.documents(orders)).hasSize(orders.size());
                assertThat(parts.sortedSet("recent", 1000, true)).isEqualTo(whole.sortedSet("recent", 1000, true))
                        .hasSize(orders.size());
                sameVersions(whole, parts, log);
            } finally {
                whole.drop();
                parts.drop();
            }
        }
    }

    /** The parts at once on their own threads, then the checkpoint alone, as the lane does. */
    private static void writeInParts(DefinedReadModel model, OrderEventLog log) throws Exception {
        Projector projector = model.projector();
        List<List<RecordedEvent>> parts = split(log.events(), projector, model.program());
        assertThat(parts).allSatisfy(part -> assertThat(part).isNotEmpty());
        ExecutorService threads = Executors.newFixedThreadPool(PARTS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> written = new ArrayList<>();
            for (List<RecordedEvent> part : parts) {
                written.add(threads.submit(() -> {
                    start.await();
                    // as the lane does: a transient failure (a deadlock between parts) is tried again at once
                    for (int attempt = 1; ; attempt++) {
                        try {
                            projector.apply(EventBatch.part(part));
                            return null;
                        } catch (Exception e) {
                            if (attempt >= 5 || projector.classify(e) != FailureKind.TRANSIENT) {
                                throw e;
                            }
                        }
                    }
                }));
            }
            start.countDown();
            for (Future<?> part : written) {
                part.get();
            }
        } finally {
            threads.shutdown();
        }
        assertThat(model.probe().checkpoint()).as("no part moves the checkpoint").isNotEqualTo(log.head());
        projector.apply(new EventBatch(List.of(), log.head()));
        assertThat(model.probe().checkpoint()).isEqualTo(log.head());
    }

    /** By stream; checked to be a split the lane may make: no key the projector names for an event in two parts. */
    private static List<List<RecordedEvent>> split(List<RecordedEvent> events, Projector projector,
                                                   ReadModelProgram program) {
        List<List<RecordedEvent>> parts = new ArrayList<>();
        for (int i = 0; i < PARTS; i++) {
            parts.add(new ArrayList<>());
        }
        Map<String, Integer> owner = new HashMap<>();
        for (RecordedEvent event : events) {
            int part = Math.floorMod(event.streamId().hashCode(), PARTS);
            parts.get(part).add(event);
            PartKeys keys = projector.partKeys(event);
            assertThat(keys).as("%s of %s", event.type(), event.streamId()).isNotNull()
                    .isEqualTo(program.partKeys(event));
            assertThat(keys.written()).allSatisfy(key -> assertThat(owner.merge(key, part, (a, b) -> a.equals(b) ? a : -1))
                    .as("key %s in one part", key).isEqualTo(part));
        }
        return parts;
    }

    private static void sameVersions(DefinedReadModel whole, DefinedReadModel parts, OrderEventLog log)
            throws Exception {
        for (RecordedEvent event : log.events()) {
            assertThat(parts.probe().appliedVersion(event.streamId()))
                    .isEqualTo(whole.probe().appliedVersion(event.streamId())).isPositive();
        }
    }
}
