package io.projhub.projectors.neo4j;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.Transaction;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.Neo4jException;
import org.neo4j.driver.exceptions.RetryableException;
import org.neo4j.driver.exceptions.SecurityException;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.neo4j.driver.exceptions.SessionExpiredException;
import org.neo4j.driver.exceptions.TransientException;

import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.domain.customer.CustomerDeactivated;
import io.projhub.core.domain.customer.CustomerRegistered;
import io.projhub.core.domain.order.OrderCancelled;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.domain.order.OrderItem;
import io.projhub.core.domain.order.OrderShipped;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.Projector;

/**
 * The order graph in Neo4j: {@code (:Customer)-[:PLACED]->(:Order)-[:CONTAINS {line}]->(:Product)} and
 * {@code (:Order)-[:SHIPPED_BY]->(:Shipment)-[:VIA]->(:Carrier)}.
 *
 * <p>Each batch is one explicit write transaction (no driver retries: a failure reaches the lane at once, which owns
 * retrying) holding one {@code UNWIND $rows} statement per event kind and the checkpoint node. Every Order and
 * Customer node carries the version of its stream, and a statement changes a node only for a higher version, so a
 * replayed, repeated or late event changes nothing. To keep each stream's order while grouping by kind, the batch is
 * cut into waves: wave n holds the n-th event of each stream in the batch, so a stream appears at most once per wave,
 * and waves run in order (usually two: created, then shipped or cancelled).
 *
 * <p>Money is stored as decimal strings ({@code "25.50"}): Neo4j has no decimal type and doubles are not exact.
 * Product, Shipment and Carrier nodes are shared by every order that names them.
 */
public final class Neo4jOrderProjector implements Projector {

    public static final String NAME = "neo4j";

    private static final Set<String> EVENT_TYPES = Set.of("CustomerRegistered", "CustomerDeactivated",
            OrderCreated.TYPE, "OrderShipped", "OrderCancelled");

    private static final SessionConfig WRITE = SessionConfig.builder().withDefaultAccessMode(AccessMode.WRITE).build();

    /** One statement per event kind; within a wave their order does not matter (each stream appears once). */
    private enum Step {
        CUSTOMER_REGISTERED("""
                UNWIND $rows AS row
                MERGE (c:Customer {id: row.customerId})
                WITH c, row WHERE coalesce(c.version, 0) < row.version
                SET c.name = row.name, c.email = row.email, c.active = true, c.registeredAt = row.registeredAt,
                    c.version = row.version
                """),
        CUSTOMER_DEACTIVATED("""
                UNWIND $rows AS row
                MERGE (c:Customer {id: row.customerId})
                WITH c, row WHERE coalesce(c.version, 0) < row.version
                SET c.active = false, c.deactivatedAt = row.deactivatedAt, c.deactivationReason = row.reason,
                    c.version = row.version
                """),
        // A customer first seen through an order gets the order's copy of its name; its registration, which owns
        // the node's version, sets the rest.
        ORDER_CREATED("""
                UNWIND $rows AS row
                MERGE (o:Order {id: row.orderId})
                WITH o, row WHERE coalesce(o.version, 0) < row.version
                SET o.status = 'CREATED', o.total = row.total, o.currency = row.currency, o.createdAt = row.createdAt,
                    o.version = row.version
                MERGE (c:Customer {id: row.customerId})
                  ON CREATE SET c.name = row.customerName
                MERGE (c)-[:PLACED]->(o)
                WITH o, row
                UNWIND row.items AS item
                MERGE (p:Product {name: item.name})
                MERGE (o)-[r:CONTAINS {line: item.line}]->(p)
                SET r.quantity = item.quantity, r.price = item.price
                """),
        ORDER_SHIPPED("""
                UNWIND $rows AS row
                MERGE (o:Order {id: row.orderId})
                WITH o, row WHERE coalesce(o.version, 0) < row.version
                SET o.status = 'SHIPPED', o.shippedAt = row.shippedAt, o.version = row.version
                MERGE (s:Shipment {trackingNumber: row.trackingNumber})
                SET s.shippedAt = row.shippedAt
                MERGE (o)-[:SHIPPED_BY]->(s)
                MERGE (carrier:Carrier {name: row.carrier})
                MERGE (s)-[:VIA]->(carrier)
                """),
        ORDER_CANCELLED("""
                UNWIND $rows AS row
                MERGE (o:Order {id: row.orderId})
                WITH o, row WHERE coalesce(o.version, 0) < row.version
                SET o.status = 'CANCELLED', o.cancelledAt = row.cancelledAt, o.cancelReason = row.reason,
                    o.version = row.version
                """);

        final String cypher;

        Step(String cypher) {
            this.cypher = cypher;
        }
    }

    private static final String SET_CHECKPOINT = """
            MERGE (k:ProjhubCheckpoint {name: $name})
            WITH k WHERE k.txId IS NULL OR k.txId < $txId OR (k.txId = $txId AND k.position < $position)
            SET k.txId = $txId, k.position = $position
            """;

    private final Driver driver;
    private final String checkpointName;
    private final Neo4jProbe probe;
    private final EventTypeRegistry registry = DomainEventTypes.registry();
    private volatile boolean schemaCreated;

    /**
     * @param namespace prefixes the checkpoint node's key ({@code namespace + "neo4j"}); nodes of the graph itself are
     *                  keyed by their ids alone
     */
    public Neo4jOrderProjector(Driver driver, String namespace) {
        this.driver = Objects.requireNonNull(driver, "driver");
        this.checkpointName = Objects.requireNonNull(namespace, "namespace") + NAME;
        this.probe = new Neo4jProbe(driver, namespace);
    }

    /**
     * Deletes the graph this read model builds (customers, orders, products, shipments, carriers) and its
     * checkpoint node, in transactions of 10,000 nodes. The graph's nodes are not namespaced: a reset clears them
     * for every hub that shares this database.
     */
    @Override
    public void reset() {
        try (org.neo4j.driver.Session session = driver.session()) {
            session.run("""
                    MATCH (n) WHERE n:Customer OR n:Order OR n:Product OR n:Shipment OR n:Carrier
                    CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
                    """).consume();
            session.run("MATCH (c:ProjhubCheckpoint {name: $name}) DELETE c",
                    java.util.Map.of("name", checkpointName)).consume();
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> eventTypes() {
        return EVENT_TYPES;
    }

    @Override
    public LogPosition checkpoint() {
        createSchemaOnce();
        return probe.checkpoint();
    }

    @Override
    public void apply(EventBatch batch) {
        List<Map<Step, List<Map<String, Object>>>> waves = waves(batch.events());
        createSchemaOnce();
        try (Session session = driver.session(WRITE); Transaction tx = session.beginTransaction()) {
            for (Map<Step, List<Map<String, Object>>> wave : waves) {
                for (Map.Entry<Step, List<Map<String, Object>>> step : wave.entrySet()) {
                    tx.run(step.getKey().cypher, Map.of("rows", step.getValue())).consume();
                }
            }
            tx.run(SET_CHECKPOINT, Map.of("name", checkpointName, "txId", batch.checkpoint().txId(),
                    "position", batch.checkpoint().position())).consume();
            tx.commit();
        }
    }

    /**
     * TRANSIENT: the server unreachable or switching (ServiceUnavailable, SessionExpired), transient errors such as
     * deadlocks, and authentication or authorization failures (a configuration problem of the store, to be retried
     * until fixed, never a reason to dead-letter events). PERMANENT: other server errors, i.e. the statement or its
     * data (a null key, a constraint violation).
     */
    @Override
    public FailureKind classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ServiceUnavailableException || t instanceof SessionExpiredException
                    || t instanceof TransientException || t instanceof RetryableException
                    || t instanceof SecurityException) {
                return FailureKind.TRANSIENT;
            }
            if (t instanceof ClientException client && isStoreState(client.code())) {
                return FailureKind.TRANSIENT;
            }
            if (t instanceof Neo4jException) {
                return FailureKind.PERMANENT;
            }
        }
        return FailureKind.ofCauseChain(failure);
    }

    /** Client errors that are the server's condition (database missing or stopped, cluster roles), not the event's. */
    private static boolean isStoreState(String code) {
        return code != null && (code.startsWith("Neo.ClientError.Database.") || code.startsWith("Neo.ClientError.Cluster."));
    }

    private void createSchemaOnce() {
        if (!schemaCreated) {
            Neo4jGraphSchema.create(driver);
            schemaCreated = true;
        }
    }

    /** The batch's rows per wave and step: the n-th event of each stream goes to wave n. */
    private List<Map<Step, List<Map<String, Object>>>> waves(List<RecordedEvent> events) {
        List<Map<Step, List<Map<String, Object>>>> waves = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (RecordedEvent event : events) {
            if (!EVENT_TYPES.contains(event.type())) {
                continue;
            }
            int wave = seen.merge(event.streamId(), 1, Integer::sum) - 1;
            if (wave == waves.size()) {
                waves.add(new EnumMap<>(Step.class));
            }
            Row row = row(event);
            waves.get(wave).computeIfAbsent(row.step(), s -> new ArrayList<>()).add(row.values());
        }
        return waves;
    }

    private record Row(Step step, Map<String, Object> values) {
    }

    private Row row(RecordedEvent event) {
        Map<String, Object> row = new HashMap<>();
        row.put("version", event.version());
        Object domainEvent = registry.toObject(event);
        if (domainEvent instanceof CustomerRegistered registered) {
            row.put("customerId", registered.customerId());
            row.put("name", registered.name());
            row.put("email", registered.email());
            row.put("registeredAt", time(registered.registeredAt(), event));
            return new Row(Step.CUSTOMER_REGISTERED, row);
        }
        if (domainEvent instanceof CustomerDeactivated deactivated) {
            row.put("customerId", deactivated.customerId());
            row.put("reason", deactivated.reason());
            row.put("deactivatedAt", time(deactivated.deactivatedAt(), event));
            return new Row(Step.CUSTOMER_DEACTIVATED, row);
        }
        if (domainEvent instanceof OrderCreated created) {
            row.put("orderId", created.orderId());
            row.put("customerId", created.customerId());
            row.put("customerName", created.customerName());
            row.put("total", decimal(created.totalAmount()));
            row.put("currency", created.currency());
            row.put("createdAt", time(created.createdAt(), event));
            List<Map<String, Object>> items = new ArrayList<>();
            for (int line = 0; line < created.items().size(); line++) {
                OrderItem item = created.items().get(line);
                items.add(Map.of("line", (long) line + 1, "name", item.name(), "price", decimal(item.price()),
                        "quantity", (long) item.quantity()));
            }
            row.put("items", items);
            return new Row(Step.ORDER_CREATED, row);
        }
        if (domainEvent instanceof OrderShipped shipped) {
            row.put("orderId", shipped.orderId());
            row.put("trackingNumber", shipped.trackingNumber());
            row.put("carrier", shipped.carrier());
            row.put("shippedAt", time(shipped.shippedAt(), event));
            return new Row(Step.ORDER_SHIPPED, row);
        }
        if (domainEvent instanceof OrderCancelled cancelled) {
            row.put("orderId", cancelled.orderId());
            row.put("reason", cancelled.reason());
            row.put("cancelledAt", time(cancelled.cancelledAt(), event));
            return new Row(Step.ORDER_CANCELLED, row);
        }
        throw new IllegalArgumentException("Event " + event.streamId() + "@" + event.version() + " of type "
                + event.type() + " decoded to an unexpected " + domainEvent.getClass().getSimpleName());
    }

    private static String decimal(BigDecimal amount) {
        return Objects.requireNonNull(amount, "amount").toPlainString();
    }

    private static OffsetDateTime time(Instant at, RecordedEvent event) {
        return (at != null ? at : event.recordedAt()).atOffset(ZoneOffset.UTC);
    }
}
