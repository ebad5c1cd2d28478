package io.projhub.projectors.influxdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.influxdb.client.InfluxDBClient;

import io.projhub.projectors.testing.OrderEventLog;
import io.projhub.projectors.testing.ShippedDefinitions;
import io.projhub.projectors.testing.TestDatabase;
import io.projhub.core.projection.EventBatch;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

@RealStores
class InfluxLifecycleQueriesTest {

    private final String namespace = "t" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private StoreEndpoints stores;
    private InfluxDBClient influx;
    private InfluxDefinedReadModel orders;
    private InfluxLifecycleQueries queries;

    @BeforeEach
    void applyOrders(StoreEndpoints stores) throws Exception {
        this.stores = stores;
        influx = InfluxConnector.connect(stores.influxUrl(), stores.influxToken(), stores.influxOrg(),
                stores.influxBucket());
        orders = new InfluxDefinedReadModel(influx, stores.influxOrg(), stores.influxBucket(), namespace,
                ShippedDefinitions.program("order-lifecycle"), TestDatabase.of(stores), TestDatabase.SCHEMA);
        queries = new InfluxLifecycleQueries(influx, stores.influxBucket(), orders);
        // Within the last day, except one order created 40 days ago and shipped 39 days ago.
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant h = now.minus(Duration.ofHours(10));
        OrderEventLog log = new OrderEventLog(1);
        log.created("order-1", "c1", "Ada", "EUR", "100.00", h, "A");
        log.created("order-2", "c1", "Ada", "EUR", "50.50", h.plusSeconds(1), "B");
        log.created("order-3", "c2", "Bob", "USD", "20.00", h.plusSeconds(2), "C");
        log.created("order-4", "c3", "Cyd", "USD", "5.00", h.plusSeconds(3), "D");
        log.shipped("order-1", "DHL", "T1", h.plusSeconds(1000), 1_000_000);
        log.shipped("order-2", "DHL", "T2", h.plusSeconds(3001), 3_000_000);
        log.shipped("order-3", "UPS", "T3", h.plusSeconds(502), 500_000);
        log.cancelled("order-4", "no", h.plusSeconds(63));
        log.created("order-old", "c1", "Ada", "EUR", "999.00", now.minus(Duration.ofDays(40)), "Z");
        log.shipped("order-old", "DHL", "T9", now.minus(Duration.ofDays(39)), 86_400_000);
        orders.projector().apply(new EventBatch(log.events(), log.head()));
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            orders.drop();
        } finally {
            influx.close();
        }
    }

    @Test
    void lifecycleByStatusCountsEventsAndSumsAmountsPerCurrency() {
        OrderLifecycleReport report = queries.orderLifecycle(Duration.ofDays(1), LifecycleGroupBy.STATUS);

        assertThat(report.groups()).containsExactly(
                // A cancellation carries no duration: the event has no creation time, an InfluxDB point no document.
                new OrderLifecycleReport.Group("CANCELLED", 1, null, null, null, Map.of()),
                new OrderLifecycleReport.Group("CREATED", 4, null, null, null,
                        Map.of("EUR", new BigDecimal("150.5"), "USD", new BigDecimal("25"))),
                new OrderLifecycleReport.Group("SHIPPED", 3, 1_500_000.0, 1_000_000L, 3_000_000L, Map.of()));
    }

    @Test
    void lifecycleByCarrierGivesDurationStatisticsPerCarrier() {
        OrderLifecycleReport report = queries.orderLifecycle(Duration.ofDays(1), LifecycleGroupBy.CARRIER);

        assertThat(report.groups()).extracting(OrderLifecycleReport.Group::key).containsExactly("", "DHL", "UPS");
        assertThat(report.groups().get(1)).isEqualTo(
                new OrderLifecycleReport.Group("DHL", 2, 2_000_000.0, 1_000_000L, 3_000_000L, Map.of()));
        assertThat(report.groups().get(2)).isEqualTo(
                new OrderLifecycleReport.Group("UPS", 1, 500_000.0, 500_000L, 500_000L, Map.of()));
        // Points without a carrier: the four creations and the cancellation.
        assertThat(report.groups().get(0).count()).isEqualTo(5);
    }

    @Test
    void aLongerRangeTakesOlderEventsIn() {
        OrderLifecycleReport report = queries.orderLifecycle(Duration.ofDays(90), LifecycleGroupBy.CARRIER);

        assertThat(report.groups().get(1)).isEqualTo(new OrderLifecycleReport.Group("DHL", 3,
                (1_000_000 + 3_000_000 + 86_400_000) / 3.0, 3_000_000L, 86_400_000L, Map.of()));
        assertThat(report.groups().get(0).amountByCurrency())
                .isEqualTo(Map.of("EUR", new BigDecimal("1149.5"), "USD", new BigDecimal("25")));
    }

    @Test
    void badParametersAreRejectedNamingTheParameter() {
        assertThatThrownBy(() -> queries.orderLifecycle(Duration.ofDays(91), LifecycleGroupBy.STATUS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("range");
        assertThatThrownBy(() -> queries.orderLifecycle(Duration.ZERO, LifecycleGroupBy.STATUS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("range");
        assertThatThrownBy(() -> queries.orderLifecycle(Duration.ofDays(-1), LifecycleGroupBy.STATUS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("range");
        assertThatThrownBy(() -> queries.orderLifecycle(null, LifecycleGroupBy.STATUS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("range");
        assertThatThrownBy(() -> queries.orderLifecycle(Duration.ofDays(1), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("groupBy");
        assertThatThrownBy(() -> LifecycleGroupBy.parse("currency\" --"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("groupBy");
        assertThatThrownBy(() -> InfluxLifecycleQueries.parseRange("1y; DROP"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("range");
        assertThatThrownBy(() -> InfluxLifecycleQueries.parseRange(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("range");
    }

    @Test
    void rangesAndGroupingsAreReadFromTheirRestForms() {
        assertThat(InfluxLifecycleQueries.parseRange("24h")).isEqualTo(Duration.ofHours(24));
        assertThat(InfluxLifecycleQueries.parseRange("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(InfluxLifecycleQueries.parseRange("2w")).isEqualTo(Duration.ofDays(14));
        assertThat(InfluxLifecycleQueries.parseRange("30m")).isEqualTo(Duration.ofMinutes(30));
        assertThat(InfluxLifecycleQueries.parseRange("PT36H")).isEqualTo(Duration.ofHours(36));
        assertThat(LifecycleGroupBy.parse("Carrier")).isEqualTo(LifecycleGroupBy.CARRIER);
        assertThat(LifecycleGroupBy.parse("status")).isEqualTo(LifecycleGroupBy.STATUS);
    }

    @Test
    void anEmptyReadModelGivesNoGroups() {
        assertThat(new InfluxLifecycleQueries(influx, stores.influxBucket(), new InfluxDefinedReadModel(influx,
                stores.influxOrg(), stores.influxBucket(), namespace + "none-", ShippedDefinitions.program("order-lifecycle"),
                TestDatabase.of(stores), TestDatabase.SCHEMA))
                .orderLifecycle(Duration.ofDays(1), LifecycleGroupBy.STATUS).groups()).isEmpty();
    }
}
