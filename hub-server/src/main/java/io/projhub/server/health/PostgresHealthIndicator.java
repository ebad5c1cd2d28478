package io.projhub.server.health;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import javax.sql.DataSource;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/** The event store's database: UP when a query runs; reports the server version and the log head. */
@Component("postgresHealthIndicator")
public class PostgresHealthIndicator extends AbstractHealthIndicator {

    private static final String PROBE = """
            select current_setting('server_version') as version,
                   (select coalesce(max(position), 0) from events) as head
            """;

    private final DataSource dataSource;

    public PostgresHealthIndicator(DataSource dataSource) {
        super("PostgreSQL health check failed");
        this.dataSource = dataSource;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(2);
            try (ResultSet rs = statement.executeQuery(PROBE)) {
                rs.next();
                builder.up().withDetail("version", rs.getString("version")).withDetail("headPosition", rs.getLong("head"));
            }
        }
    }
}
