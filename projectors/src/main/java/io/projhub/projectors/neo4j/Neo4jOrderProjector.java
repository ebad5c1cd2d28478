package io.projhub.projectors.neo4j;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
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
 * <p>Every Order and Customer node carries the version of its stream, and a statement changes a node only for a
 * higher version, so a replayed, repeated or late event changes nothing. To keep each stream's order while grouping
 * by kind, a batch is cut into waves: wave n holds the n-th event of each stream (and of each Order, Customer and
 * Shipment node), so a node appears at most once per wave, and waves run in order (usually two: created, then shipped
 * or cancelled).
 *
 * <p><b>Write partitions.</b> The batch's events are split into {@code writePartitions} groups, each written by one
 * statement in its own transaction, the groups concurrently; the checkpoint is written after all of them have
 * committed. Events that touch the same stream, Order, Customer or Shipment are in the same group (an order created
 * in the batch goes with its customer), so a stream keeps its order and only Product and Carrier nodes are shared
 * between the transactions. If a group fails, others may have committed: {@link #apply} throws without moving the
 * checkpoint, and the batch is applied again, which the version guard makes harmless. Neo4j may pick one of the
 * transactions as a deadlock victim (they lock the shared nodes' relationship chains when they commit); that
 * transaction is retried inside {@link #apply} a few times. With one partition, or a batch whose events fall in one
 * group, the batch and its checkpoint are one transaction: all or nothing. No driver-managed retries: any other
 * failure reaches the lane at once, which owns retrying.
 *
 * <p>An order passing the version guard whose node did not exist, and a shipment whose node did not exist, get their
 * relationships with {@code CREATE}: they cannot exist yet, and CREATE neither searches nor locks both end nodes as
 * a relationship MERGE does (which would serialize the partitions on every shared Product and Carrier).
 *
 * <p>A skipped event ({@link #recordSkipped}) is a {@code (:ProjhubSkippedVersion {stream, version})} node, keyed by
 * stream id like the graph's nodes and linked to none, so no graph query meets it. Its stream's events up to that
 * version count as applied, and if it was the creation of the stream's Order or Customer, the later changes only
 * raise the version: no partial node is made.
 *
 * <p>Money is stored as decimal strings ({@code "25.50"}): Neo4j has no decimal type and doubles are not exact.
 * Product, Shipment and Carrier nodes are shared by every order that names them.
 */
public final class Neo4jOrderProjector implements Projector {

    public static final String NAME = "neo4j";

    /**
     * Concurrent write transactions per batch when none is configured. More pay only when Neo4j has idle cores: the
     * transactions contend for the shared Product and Carrier relationship chains when they commit, so each one more
     * costs server CPU per event and deadlock retries (on 2 cores, 4 was no faster than 2).
     */
    public static final int DEFAULT_WRITE_PARTITIONS = 2;

    /** Attempts of one partition's transaction that Neo4j aborts as a deadlock victim. */
    static final int DEADLOCK_ATTEMPTS = 5;

    /** Below this many events a batch is decoded by the calling thread alone. */
    private static final int PARALLEL_DECODE_MIN = 200;

    private static final String DEADLOCK = "Neo.TransientError.Transaction.DeadlockDetected";

    private static final Set<String> EVENT_TYPES = Set.of("CustomerRegistered", "CustomerDeactivated",
            OrderCreated.TYPE, "OrderShipped", "OrderCancelled");

    private static final SessionConfig WRITE = SessionConfig.builder().withDefaultAccessMode(AccessMode.WRITE).build();

    /**
     * A partition's waves, in order: each execution of a CALL subquery sees the writes of the previous ones. Within a
     * wave, one subquery per event kind; each reads the versions of its nodes before setting any (a clause is complete
     * before the next runs). A created order whose node had no version did not exist before this MERGE, and a
     * Shipment not found before its MERGE is new (its tracking number appears once per wave and in one partition):
     * their relationships are created, the others' merged. An event at or below its stream's skipped version
     * (a {@code ProjhubSkippedVersion} node) counts as applied; a change of an Order or Customer whose creation was
     * skipped (a skipped version but no node) has nothing to change and raises the skipped version instead.
     */
    static final String WAVES = """
            CALL {
              UNWIND $waves AS wave
              CALL (wave) {
                CALL (wave) {
                  UNWIND wave.registered AS row
                  OPTIONAL MATCH (skip:ProjhubSkippedVersion {stream: row.customerId})
                  WITH row WHERE coalesce(skip.version, 0) < row.version
                  MERGE (c:Customer {id: row.customerId})
                  WITH c, row WHERE coalesce(c.version, 0) < row.version
                  SET c.name = row.name, c.email = row.email, c.active = true, c.registeredAt = row.registeredAt,
                      c.version = row.version
                }
                CALL (wave) {
                  UNWIND wave.deactivated AS row
                  OPTIONAL MATCH (skip:ProjhubSkippedVersion {stream: row.customerId})
                  WITH row, skip, skip IS NOT NULL AND NOT EXISTS { (:Customer {id: row.customerId}) } AS creationSkipped
                    WHERE coalesce(skip.version, 0) < row.version
                  CALL (row, skip, creationSkipped) {
                    WITH row, skip WHERE creationSkipped
                    SET skip.version = row.version
                  }
                  WITH row WHERE NOT creationSkipped
                  MERGE (c:Customer {id: row.customerId})
                  WITH c, row WHERE coalesce(c.version, 0) < row.version
                  SET c.active = false, c.deactivatedAt = row.deactivatedAt, c.deactivationReason = row.reason,
                      c.version = row.version
                }
                CALL (wave) {
                  UNWIND wave.created AS row
                  OPTIONAL MATCH (skip:ProjhubSkippedVersion {stream: row.orderId})
                  WITH row WHERE coalesce(skip.version, 0) < row.version
                  MERGE (o:Order {id: row.orderId})
                  WITH o, row, o.version IS NULL AS fresh WHERE coalesce(o.version, 0) < row.version
                  SET o.status = 'CREATED', o.total = row.total, o.currency = row.currency, o.createdAt = row.createdAt,
                      o.version = row.version
                  // A customer first seen through an order gets the order's copy of its name; its registration, which
                  // owns the node's version, sets the rest.
                  MERGE (c:Customer {id: row.customerId})
                    ON CREATE SET c.name = row.customerName
                  WITH o, row, fresh, c
                  CALL (o, c, fresh) {
                    WITH o, c WHERE fresh
                    CREATE (c)-[:PLACED]->(o)
                  }
                  CALL (o, c, fresh) {
                    WITH o, c WHERE NOT fresh
                    MERGE (c)-[:PLACED]->(o)
                  }
                  WITH o, row, fresh
                  UNWIND row.items AS item
                  MERGE (p:Product {name: item.name})
                  WITH o, p, item, fresh
                  CALL (o, p, item, fresh) {
                    WITH o, p, item WHERE fresh
                    CREATE (o)-[:CONTAINS {line: item.line, quantity: item.quantity, price: item.price}]->(p)
                  }
                  CALL (o, p, item, fresh) {
                    WITH o, p, item WHERE NOT fresh
                    MERGE (o)-[r:CONTAINS {line: item.line}]->(p)
                    SET r.quantity = item.quantity, r.price = item.price
                  }
                }
                CALL (wave) {
                  UNWIND wave.shipped AS row
                  OPTIONAL MATCH (skip:ProjhubSkippedVersion {stream: row.orderId})
                  WITH row, skip, skip IS NOT NULL AND NOT EXISTS { (:Order {id: row.orderId}) } AS creationSkipped
                    WHERE coalesce(skip.version, 0) < row.version
                  CALL (row, skip, creationSkipped) {
                    WITH row, skip WHERE creationSkipped
                    SET skip.version = row.version
                  }
                  WITH row WHERE NOT creationSkipped
                  MERGE (o:Order {id: row.orderId})
                  WITH o, row WHERE coalesce(o.version, 0) < row.version
                  SET o.status = 'SHIPPED', o.shippedAt = row.shippedAt, o.version = row.version
                  WITH o, row
                  OPTIONAL MATCH (known:Shipment {trackingNumber: row.trackingNumber})
                  WITH o, row, known IS NULL AS newShipment
                  MERGE (s:Shipment {trackingNumber: row.trackingNumber})
                  SET s.shippedAt = row.shippedAt
                  MERGE (carrier:Carrier {name: row.carrier})
                  WITH o, s, carrier, newShipment
                  CALL (o, s, carrier, newShipment) {
                    WITH o, s, carrier WHERE newShipment
                    CREATE (o)-[:SHIPPED_BY]->(s), (s)-[:VIA]->(carrier)
                  }
                  CALL (o, s, carrier, newShipment) {
                    WITH o, s, carrier WHERE NOT newShipment
                    MERGE (o)-[:SHIPPED_BY]->(s)
                    MERGE (s)-[:VIA]->(carrier)
                  }
                }
                CALL (wave) {
                  UNWIND wave.cancelled AS row
                  OPTIONAL MATCH (skip:ProjhubSkippedVersion {stream: row.orderId})
                  WITH row, skip, skip IS NOT NULL AND NOT EXISTS { (:Order {id: row.orderId}) } AS creationSkipped
                    WHERE coalesce(skip.version, 0) < row.version
                  CALL (row, skip, creationSkipped) {
                    WITH row, skip WHERE creationSkipped
                    SET skip.version = row.version
                  }
                  WITH row WHERE NOT creationSkipped
                  MERGE (o:Order {id: row.orderId})
                  WITH o, row WHERE coalesce(o.version, 0) < row.version
                  SET o.status = 'CANCELLED', o.cancelledAt = row.cancelledAt, o.cancelReason = row.reason,
                      o.version = row.version
                }
              }
            }
            """;

    /** Raises a stream's skipped version, never lowers it. */
    static final String RECORD_SKIPPED = """
            MERGE (k:ProjhubSkippedVersion {stream: $stream})
            WITH k WHERE coalesce(k.version, 0) < $version
            SET k.version = $version
            """;

    /** Moves the checkpoint forward only: a redelivered batch carries the current one, which must not move back. */
    static final String SET_CHECKPOINT = """
            CALL {
              MERGE (k:ProjhubCheckpoint {name: $name})
              WITH k WHERE k.txId IS NULL OR k.txId < $txId OR (k.txId = $txId AND k.position < $position)
              SET k.txId = $txId, k.position = $position
            }
            """;

    /** Sets the checkpoint to exactly the given one, also backwards: recovery only. */
    static final String OVERWRITE_CHECKPOINT = """
            MERGE (k:ProjhubCheckpoint {name: $name})
            SET k.txId = $txId, k.position = $position
            """;

    private static final String WAVES_AND_CHECKPOINT = WAVES + SET_CHECKPOINT;

    private static final AtomicInteger POOLS = new AtomicInteger();

    private final Driver driver;
    private final String checkpointName;
    private final int writePartitions;
    private final Neo4jProbe probe;
    private final EventTypeRegistry registry = DomainEventTypes.registry();
    /** Threads for all partitions but the one the calling thread writes; null with one partition. */
    private final ThreadPoolExecutor writers;
    private volatile boolean schemaCreated;

    /**
     * With {@link #DEFAULT_WRITE_PARTITIONS} write partitions.
     *
     * @param namespace prefixes the checkpoint node's key ({@code namespace + "neo4j"}); nodes of the graph itself are
     *                  keyed by their ids alone
     */
    public Neo4jOrderProjector(Driver driver, String namespace) {
        this(driver, namespace, DEFAULT_WRITE_PARTITIONS);
    }

    /**
     * @param writePartitions how many transactions write a batch concurrently, 1 to 64 (1: the whole batch and its
     *                        checkpoint in one transaction)
     */
    public Neo4jOrderProjector(Driver driver, String namespace, int writePartitions) {
        if (writePartitions < 1 || writePartitions > 64) {
            throw new IllegalArgumentException("writePartitions must be between 1 and 64, not " + writePartitions);
        }
        this.driver = Objects.requireNonNull(driver, "driver");
        this.checkpointName = Objects.requireNonNull(namespace, "namespace") + NAME;
        this.writePartitions = writePartitions;
        this.probe = new Neo4jProbe(driver, namespace);
        this.writers = writePartitions == 1 ? null : writerPool(writePartitions - 1);
    }

    /** Daemon threads that end after a minute idle, so a projector needs no closing. */
    private static ThreadPoolExecutor writerPool(int threads) {
        int pool = POOLS.incrementAndGet();
        AtomicInteger thread = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread t = new Thread(runnable, "neo4j-writer-" + pool + "-" + thread.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    /**
     * Deletes the graph this read model builds (customers, orders, products, shipments, carriers, skipped versions)
     * and its checkpoint node, in transactions of 10,000 nodes. The graph's nodes are not namespaced: a reset clears
     * them for every hub that shares this database.
     */
    @Override
    public void reset() {
        try (Session session = driver.session()) {
            // Small transactions, one label at a time: one big delete exceeds Neo4j's transaction memory pool.
            for (String label : List.of("Order", "Shipment", "Customer", "Product", "Carrier",
                    "ProjhubSkippedVersion")) {
                long deleted;
                do {
                    deleted = session.executeWrite(tx -> tx.run("MATCH (n:" + label + ") WITH n LIMIT 2000 "
                            + "DETACH DELETE n RETURN count(*) AS deleted").single().get("deleted").asLong());
                } while (deleted > 0);
            }
            session.run("MATCH (c:ProjhubCheckpoint {name: $name}) DELETE c", Map.of("name", checkpointName))
                    .consume();
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

    /** Raises the stream's skipped version to {@code version} (one auto-commit transaction, no driver retries). */
    @Override
    public void recordSkipped(String streamId, long version) {
        createSchemaOnce();
        try (Session session = driver.session(WRITE)) {
            session.run(RECORD_SKIPPED, Map.of("stream", Objects.requireNonNull(streamId, "streamId"),
                    "version", version)).consume();
        }
    }

    /**
     * Sets the checkpoint node to exactly {@code checkpoint}, also backwards (one auto-commit transaction). Recovery
     * only, with the lane stopped: a batch never moves it back.
     */
    @Override
    public void overwriteCheckpoint(LogPosition checkpoint) {
        createSchemaOnce();
        try (Session session = driver.session(WRITE)) {
            session.run(OVERWRITE_CHECKPOINT, Map.of("name", checkpointName, "txId", checkpoint.txId(),
                    "position", checkpoint.position())).consume();
        }
    }

    /** How many transactions write a batch concurrently. */
    public int writePartitions() {
        return writePartitions;
    }

    @Override
    public LogPosition checkpoint() {
        createSchemaOnce();
        return probe.checkpoint();
    }

    /**
     * Decodes every event first (a bad one fails the batch before anything is written), then writes the partitions
     * concurrently, then the checkpoint; or all of it in one transaction when the batch falls in one partition.
     */
    @Override
    public void apply(EventBatch batch) {
        List<List<Wave>> partitions = partitions(batch.events()).stream().filter(p -> !p.isEmpty()).toList();
        createSchemaOnce();
        Map<String, Object> checkpoint = Map.of("name", checkpointName, "txId", batch.checkpoint().txId(),
                "position", batch.checkpoint().position());
        if (partitions.size() <= 1) {
            write(partitions.isEmpty() ? List.of() : partitions.get(0), checkpoint);
            return;
        }
        runAll(partitions.stream().<Callable<Void>>map(waves -> () -> {
            write(waves, null);
            return null;
        }).toList());
        write(List.of(), checkpoint);
    }

    /**
     * One statement, thus one auto-commit transaction and one round trip: the waves, then the checkpoint if given.
     * Retried when Neo4j aborts it as a deadlock victim; any other failure is thrown at once.
     */
    private void write(List<Wave> waves, Map<String, Object> checkpoint) {
        Map<String, Object> parameters = new HashMap<>();
        parameters.put("waves", waves.stream().map(Wave::parameter).toList());
        String statement = WAVES;
        if (checkpoint != null) {
            parameters.putAll(checkpoint);
            statement = waves.isEmpty() ? SET_CHECKPOINT : WAVES_AND_CHECKPOINT;
        }
        for (int attempt = 1; ; attempt++) {
            try (Session session = driver.session(WRITE)) {
                session.run(statement, parameters).consume();
                return;
            } catch (TransientException e) {
                if (!DEADLOCK.equals(e.code()) || attempt >= DEADLOCK_ATTEMPTS) {
                    throw e;
                }
                pauseBeforeRetry(attempt);
            }
        }
    }

    private static void pauseBeforeRetry(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(5L * attempt, 20L * attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs the first task in the calling thread and the others on the writer threads, and waits for all of them,
     * even when one fails or the caller is interrupted: no work of this batch is left running once {@link #apply}
     * returns or throws. Of several failures, a transient one is thrown (with the others suppressed), so that the
     * lane retries the batch rather than splitting it to find a poison event.
     */
    private <T> List<T> runAll(List<Callable<T>> tasks) {
        List<Future<T>> others = new ArrayList<>();
        for (Callable<T> task : tasks.subList(1, tasks.size())) {
            others.add(writers.submit(task));
        }
        List<T> results = new ArrayList<>(tasks.size());
        List<Throwable> failures = new ArrayList<>();
        try {
            results.add(tasks.get(0).call());
        } catch (Exception | Error e) {
            failures.add(e);
        }
        boolean interrupted = false;
        for (Future<T> future : others) {
            while (true) {
                try {
                    results.add(future.get());
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    failures.add(e.getCause());
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (!failures.isEmpty()) {
            throw combined(failures);
        }
        return results;
    }

    private RuntimeException combined(List<Throwable> failures) {
        Throwable first = failures.stream().filter(Error.class::isInstance).findFirst()
                .or(() -> failures.stream().filter(f -> classify(f) == FailureKind.TRANSIENT).findFirst())
                .orElse(failures.get(0));
        failures.stream().filter(f -> f != first).forEach(first::addSuppressed);
        if (first instanceof Error error) {
            throw error;
        }
        return first instanceof RuntimeException runtime ? runtime : new IllegalStateException(first);
    }

    /**
     * TRANSIENT: the server unreachable or switching (ServiceUnavailable, SessionExpired), any error the server sends
     * as a {@code Neo.TransientError.*} (deadlocks, lock waits cut by a timeout, memory pressure, whatever exception
     * type carries it), and authentication or authorization failures (a configuration problem of the store, to be
     * retried until fixed, never a reason to dead-letter events). PERMANENT: other server errors, i.e. the statement or
     * its data (a null key, a constraint violation).
     */
    @Override
    public FailureKind classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ServiceUnavailableException || t instanceof SessionExpiredException
                    || t instanceof TransientException || t instanceof RetryableException
                    || t instanceof SecurityException) {
                return FailureKind.TRANSIENT;
            }
            if (t instanceof Neo4jException neo4j && isTransientCode(neo4j.code())) {
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

    /**
     * Neo.TransientError.* codes, and the two the server sends as such but the driver renames to client errors: a
     * transaction terminated (by a timeout, an operator, a shutdown) while running or while waiting for a lock.
     */
    private static boolean isTransientCode(String code) {
        return code != null && (code.startsWith("Neo.TransientError.")
                || code.equals("Neo.ClientError.Transaction.Terminated")
                || code.equals("Neo.ClientError.Transaction.LockClientStopped"));
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

    /**
     * The batch's rows per partition and wave. Events that touch the same stream, Order, Customer or Shipment go to
     * the same partition; wave n of a partition holds the n-th row of each stream, Order, Customer and Shipment in it,
     * so each appears once per wave and a stream's events keep their order.
     */
    List<List<Wave>> partitions(List<RecordedEvent> events) {
        List<Row> rows = decode(events);
        Map<String, String> groups = new HashMap<>();
        for (Row row : rows) {
            for (String key : row.sameTransaction()) {
                union(groups, row.stream(), key);
            }
        }
        List<List<Wave>> partitions = new ArrayList<>(writePartitions);
        for (int i = 0; i < writePartitions; i++) {
            partitions.add(new ArrayList<>());
        }
        Map<String, Integer> nextWave = new HashMap<>();
        for (Row row : rows) {
            int partition = Math.floorMod(spread(find(groups, row.stream()).hashCode()), writePartitions);
            int wave = 0;
            for (String key : row.waveKeys()) {
                wave = Math.max(wave, nextWave.getOrDefault(key, 0));
            }
            for (String key : row.waveKeys()) {
                nextWave.put(key, wave + 1);
            }
            List<Wave> waves = partitions.get(partition);
            while (waves.size() <= wave) {
                waves.add(new Wave());
            }
            waves.get(wave).add(row);
        }
        return partitions;
    }

    /** The handled events as rows, in order; a large batch is decoded by the writer threads too. */
    private List<Row> decode(List<RecordedEvent> events) {
        List<RecordedEvent> handled = events.stream().filter(e -> EVENT_TYPES.contains(e.type())).toList();
        if (writers == null || handled.size() < PARALLEL_DECODE_MIN) {
            return handled.stream().map(this::row).toList();
        }
        int chunk = (handled.size() + writePartitions - 1) / writePartitions;
        List<Callable<List<Row>>> slices = new ArrayList<>();
        for (int from = 0; from < handled.size(); from += chunk) {
            List<RecordedEvent> slice = handled.subList(from, Math.min(from + chunk, handled.size()));
            slices.add(() -> slice.stream().map(this::row).toList());
        }
        return runAll(slices).stream().flatMap(List::stream).toList();
    }

    /** Union-find over node keys: the representative of a key's group. */
    private static String find(Map<String, String> groups, String key) {
        String root = key;
        for (String up = groups.get(root); up != null; up = groups.get(root)) {
            root = up;
        }
        for (String at = key; !at.equals(root); ) {
            at = groups.put(at, root);
        }
        return root;
    }

    private static void union(Map<String, String> groups, String a, String b) {
        String rootA = find(groups, a);
        String rootB = find(groups, b);
        if (!rootA.equals(rootB)) {
            groups.put(rootB, rootA);
        }
    }

    private static int spread(int hash) {
        int h = hash * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    /** The rows of one wave of one partition, per event kind. */
    static final class Wave {
        private final Map<Kind, List<Map<String, Object>>> rows = new HashMap<>();

        void add(Row row) {
            rows.computeIfAbsent(row.kind(), k -> new ArrayList<>()).add(row.values());
        }

        Map<String, Object> parameter() {
            Map<String, Object> parameter = new HashMap<>();
            for (Kind kind : Kind.values()) {
                parameter.put(kind.parameter, rows.getOrDefault(kind, List.of()));
            }
            return parameter;
        }
    }

    private enum Kind {
        REGISTERED("registered"), DEACTIVATED("deactivated"), CREATED("created"), SHIPPED("shipped"),
        CANCELLED("cancelled");

        final String parameter;

        Kind(String parameter) {
            this.parameter = parameter;
        }
    }

    /**
     * One event as a row of its kind's subquery. {@code waveKeys}: its stream (first) and the Order, Customer or
     * Shipment it sets, each at most once per wave; {@code sameTransaction}: those and the customer an order is
     * placed by, all in its partition.
     */
    private record Row(Kind kind, Map<String, Object> values, List<String> waveKeys, List<String> sameTransaction) {

        static Row of(Kind kind, Map<String, Object> values, RecordedEvent event, String node, String shipment,
                      String customerOfOrder) {
            List<String> waveKeys = new ArrayList<>(3);
            waveKeys.add("stream:" + event.streamId());
            if (node != null) {
                waveKeys.add(node);
            }
            if (shipment != null) {
                waveKeys.add("shipment:" + shipment);
            }
            List<String> sameTransaction = new ArrayList<>(waveKeys);
            if (customerOfOrder != null) {
                sameTransaction.add("customer:" + customerOfOrder);
            }
            return new Row(kind, values, waveKeys, sameTransaction);
        }

        String stream() {
            return waveKeys.get(0);
        }
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
            return Row.of(Kind.REGISTERED, row, event, key("customer:", registered.customerId()), null, null);
        }
        if (domainEvent instanceof CustomerDeactivated deactivated) {
            row.put("customerId", deactivated.customerId());
            row.put("reason", deactivated.reason());
            row.put("deactivatedAt", time(deactivated.deactivatedAt(), event));
            return Row.of(Kind.DEACTIVATED, row, event, key("customer:", deactivated.customerId()), null, null);
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
            return Row.of(Kind.CREATED, row, event, key("order:", created.orderId()), null, created.customerId());
        }
        if (domainEvent instanceof OrderShipped shipped) {
            row.put("orderId", shipped.orderId());
            row.put("trackingNumber", shipped.trackingNumber());
            row.put("carrier", shipped.carrier());
            row.put("shippedAt", time(shipped.shippedAt(), event));
            return Row.of(Kind.SHIPPED, row, event, key("order:", shipped.orderId()), shipped.trackingNumber(), null);
        }
        if (domainEvent instanceof OrderCancelled cancelled) {
            row.put("orderId", cancelled.orderId());
            row.put("reason", cancelled.reason());
            row.put("cancelledAt", time(cancelled.cancelledAt(), event));
            return Row.of(Kind.CANCELLED, row, event, key("order:", cancelled.orderId()), null, null);
        }
        throw new IllegalArgumentException("Event " + event.streamId() + "@" + event.version() + " of type "
                + event.type() + " decoded to an unexpected " + domainEvent.getClass().getSimpleName());
    }

    /** A node's key, or none for a null id (the statement rejects that event). */
    private static String key(String prefix, String id) {
        return id == null ? null : prefix + id;
    }

    private static String decimal(BigDecimal amount) {
        return Objects.requireNonNull(amount, "amount").toPlainString();
    }

    private static OffsetDateTime time(Instant at, RecordedEvent event) {
        return (at != null ? at : event.recordedAt()).atOffset(ZoneOffset.UTC);
    }
}
