package io.projhub.projectors.neo4j;

import java.util.concurrent.TimeUnit;

import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;

/** Builds the official Neo4j driver; an empty user means a server without authentication. Connects lazily. */
public final class Neo4jConnector {

    private Neo4jConnector() {
    }

    public static Driver connect(String uri, String user, String password) {
        var auth = user == null || user.isBlank() || password == null || password.isEmpty()
                ? AuthTokens.none()
                : AuthTokens.basic(user, password);
        // No driver-managed retries (executeWrite would retry a transient failure for 30 s, the lane stuck in it):
        // a failure reaches the lane at once, which owns retrying and shows RETRYING while it does.
        Config config = Config.builder()
                .withConnectionTimeout(5, TimeUnit.SECONDS)
                .withConnectionAcquisitionTimeout(10, TimeUnit.SECONDS)
                .withMaxTransactionRetryTime(0, TimeUnit.SECONDS)
                .build();
        return GraphDatabase.driver(uri, auth, config);
    }
}
