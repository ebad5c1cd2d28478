package io.projhub.monitor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.projhub.core.eventstore.postgres.EventStoreMigrations;
import io.projhub.monitor.AlertKind;
import io.projhub.monitor.AlertStatus;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

/**
 * Regression (issue 14, part 3): a re-check that read a firing STREAM_BEHIND alert, probed the store and then saw an
 * old version could resolve the alert a newer write had just raised again (resolution was by key only). Now it
 * resolves only if the alert's expected version is at or below what the probe saw.
 */
@RealStores
class AlertResolutionVersionTest {

    @Test
    void aStreamAlertIsResolvedOnlyByAProbeThatSawTheVersionItExpects(StoreEndpoints stores) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(stores.postgresUrl());
        config.setUsername(stores.postgresUser());
        config.setPassword(stores.postgresPassword());
        config.setMaximumPoolSize(2);
        try (HikariDataSource ds = new HikariDataSource(config)) {
            EventStoreMigrations.migrate(ds);
            PostgresAlerts alerts = new PostgresAlerts(ds, MonitorJson.mapper());
            String key = "resolve-" + UUID.randomUUID() + ":order-1";
            alerts.raise(draft(key, 3), List.of());
            alerts.raise(draft(key, 5), List.of()); // a newer write missed: the same alert now expects version 5

            assertThat(alerts.resolve(key, 3L, "probe saw version 3", List.of())).isEmpty();
            assertThat(alerts.firingKeys(List.of(key))).containsExactly(key);

            assertThat(alerts.resolve(key, 5L, "probe saw version 5", List.of()))
                    .hasValueSatisfying(a -> assertThat(a.status()).isEqualTo(AlertStatus.RESOLVED));
            assertThat(alerts.firingKeys(List.of(key))).isEmpty();
        }
    }

    private static AlertDraft draft(String key, long expected) {
        return new AlertDraft(key, AlertKind.STREAM_BEHIND, "test-model", "order-1", expected,
                AlertKind.STREAM_BEHIND.severity(), "behind at " + expected, MonitorJson.object());
    }
}
