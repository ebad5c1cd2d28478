package io.projhub.projectors.testing;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.neo4j.driver.Driver;
import org.neo4j.driver.Session;

/**
 * The Neo4j read model's graph is not namespaced, so a test deletes only its own nodes, by their keys, never the
 * shared graph (which a reset would clear).
 */
public final class TestGraph {

    private static final String DELETE_OWN_NODES = """
            CALL {
              UNWIND $customers AS id MATCH (n:Customer {id: id}) RETURN n
              UNION UNWIND $orders AS id MATCH (n:Order {id: id}) RETURN n
              UNION UNWIND $products AS name MATCH (n:Product {name: name}) RETURN n
              UNION UNWIND $tracking AS number MATCH (n:Shipment {trackingNumber: number}) RETURN n
              UNION UNWIND $carriers AS name MATCH (n:Carrier {name: name}) RETURN n
              UNION MATCH (n:ProjhubCheckpoint {name: $checkpoint}) RETURN n
              UNION UNWIND $customers + $orders AS id MATCH (n:ProjhubSkippedVersion {stream: id}) RETURN n
              UNION UNWIND $locks AS id MATCH (n:ProjhubTestLock {id: id}) RETURN n
            }
            DETACH DELETE n
            """;

    private TestGraph() {
    }

    /**
     * Deletes the nodes named in {@code keys}: {@code customers}, {@code orders}, {@code products}, {@code tracking},
     * {@code carriers} (lists), {@code checkpoint} (the checkpoint node's name) and, optionally, {@code locks}; the
     * skipped-version records of those customers and orders go with them.
     */
    public static void deleteOwnNodes(Driver driver, Map<String, ?> keys) {
        Map<String, Object> parameters = new HashMap<>(keys);
        parameters.putIfAbsent("locks", List.of());
        try (Session session = driver.session()) {
            session.run(DELETE_OWN_NODES, parameters).consume();
        }
    }
}
