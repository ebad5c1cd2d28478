package io.projhub.server.health;

import static org.assertj.core.api.Assertions.assertThat;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import io.projhub.server.HubTestBase;

/**
 * Issue 14, part 3: the hub's own PostgreSQL sessions never pin the gap-safe frontier for long: PostgreSQL ends a
 * transaction the hub leaves idle, and cancels a statement that runs away.
 */
class HubSessionTimeoutsTest extends HubTestBase {

    @Autowired
    DataSource dataSource;

    @Test
    void theHubsSessionsRunWithAnIdleInTransactionTimeoutAndAStatementTimeout() {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        assertThat(jdbc.queryForObject("show idle_in_transaction_session_timeout", String.class)).isEqualTo("1min");
        assertThat(jdbc.queryForObject("show statement_timeout", String.class)).isEqualTo("2min");
    }
}
