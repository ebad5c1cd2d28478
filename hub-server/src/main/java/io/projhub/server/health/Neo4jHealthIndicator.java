package io.projhub.server.health;

import org.neo4j.driver.Driver;
import org.neo4j.driver.Session;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/** UP when the Bolt server runs a query; reports the server's address and agent. */
public class Neo4jHealthIndicator extends AbstractHealthIndicator {

    private final Driver driver;

    public Neo4jHealthIndicator(Driver driver) {
        super("Neo4j health check failed");
        this.driver = driver;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        // A plain session, not executableQuery: that one retries for up to 30 s before reporting a failure.
        try (Session session = driver.session()) {
            var server = session.run("RETURN 1").consume().server();
            builder.up().withDetail("address", server.address()).withDetail("agent", server.agent());
        }
    }
}
