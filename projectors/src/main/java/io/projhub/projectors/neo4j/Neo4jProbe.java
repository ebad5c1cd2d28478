package io.projhub.projectors.neo4j;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.ReadModelProbe;

/** Reads the graph's checkpoint node and the versions held by its Order, Customer and skipped-version nodes. */
public final class Neo4jProbe implements ReadModelProbe {

    private static final SessionConfig READ = SessionConfig.builder().withDefaultAccessMode(AccessMode.READ).build();

    private static final String CHECKPOINT = """
            MATCH (k:ProjhubCheckpoint {name: $name})
            RETURN k.txId AS txId, k.position AS position
            """;

    // Stream id == aggregate id: an order stream's version is on its Order node, a customer's on its Customer node;
    // a skipped version, if higher, on the stream's ProjhubSkippedVersion node.
    private static final String APPLIED_VERSION = """
            OPTIONAL MATCH (o:Order {id: $id})
            OPTIONAL MATCH (c:Customer {id: $id})
            OPTIONAL MATCH (k:ProjhubSkippedVersion {stream: $id})
            RETURN coalesce(o.version, c.version, 0) AS version, coalesce(k.version, 0) AS skipped
            """;

    private final Driver driver;
    private final String checkpointName;

    public Neo4jProbe(Driver driver, String namespace) {
        this.driver = Objects.requireNonNull(driver, "driver");
        this.checkpointName = Objects.requireNonNull(namespace, "namespace") + Neo4jOrderProjector.NAME;
    }

    @Override
    public String name() {
        return Neo4jOrderProjector.NAME;
    }

    @Override
    public LogPosition checkpoint() {
        try (Session session = driver.session(READ)) {
            List<Record> records = session.run(CHECKPOINT, Map.of("name", checkpointName)).list();
            if (records.isEmpty() || records.get(0).get("txId").isNull()) {
                return LogPosition.START;
            }
            Record checkpoint = records.get(0);
            return new LogPosition(checkpoint.get("txId").asLong(), checkpoint.get("position").asLong());
        }
    }

    @Override
    public long appliedVersion(String streamId) {
        try (Session session = driver.session(READ)) {
            Record versions = session.run(APPLIED_VERSION, Map.of("id", Objects.requireNonNull(streamId, "streamId")))
                    .single();
            return Math.max(versions.get("version").asLong(), versions.get("skipped").asLong());
        }
    }
}
