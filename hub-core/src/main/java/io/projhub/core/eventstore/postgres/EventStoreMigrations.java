package io.projhub.core.eventstore.postgres;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and upgrades the event store's tables with Flyway ({@code classpath:db/migration}). An application on
 * Spring Boot lets Boot's Flyway run the same scripts instead; tests and tools call this.
 */
public final class EventStoreMigrations {

    public static final String LOCATION = "classpath:db/migration";

    private static final Logger log = LoggerFactory.getLogger(EventStoreMigrations.class);

    private EventStoreMigrations() {
    }

    /**
     * Applies every pending migration; safe to call concurrently (Flyway locks the schema history). Each module sees
     * only the migrations on its own classpath (hub-core's, the monitor's V30+ with it, ...) while tests, tools and
     * the bench share one database with the others: migrations applied by another module are not an error, and one
     * missing here is applied even if a higher version already ran. (The hub itself runs every migration in order
     * with Boot's Flyway.)
     */
    public static int migrate(DataSource dataSource) {
        int applied = Flyway.configure()
                .dataSource(dataSource)
                .locations(LOCATION)
                .outOfOrder(true)
                .ignoreMigrationPatterns("*:missing", "*:future")
                .load()
                .migrate()
                .migrationsExecuted;
        if (applied > 0) {
            log.info("Applied {} event store migration(s)", applied);
        }
        return applied;
    }
}
