package io.projhub.projectors.neo4j;

import java.util.concurrent.TimeUnit;

import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Logging;

/** Builds the official Neo4j driver; an empty user means a server without authentication. Connects lazily. */
public final class Neo4jConnector {

    private Neo4jConnector() {
    }

    @SuppressWarnings("deprecation") // Logging: see below
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
                // SLF4J, whose level check is the hub's: through System.Logger (the default) the JUL bridge answers
                // that DEBUG is on, so the driver formatted every Bolt message for a log nobody keeps (6.6 % of the
                // hub's CPU with all five read models, JFR). Deprecated in driver 6 in favour of System.Logger.
                .withLogging(Logging.slf4j())
                .build();
        return GraphDatabase.driver(uri, auth, config);
    }
}
