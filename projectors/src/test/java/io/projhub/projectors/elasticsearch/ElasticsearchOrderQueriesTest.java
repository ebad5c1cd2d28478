package io.projhub.projectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.projhub.projectors.testing.OrderEventLog;
import io.projhub.projectors.testing.ShippedDefinitions;
import io.projhub.core.projection.EventBatch;
import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

@RealStores
class ElasticsearchOrderQueriesTest {

    private static final Instant DAY1 = Instant.parse("2026-03-01T10:00:00Z");
    private static final Instant DAY2 = Instant.parse("2026-03-02T09:00:00Z");

    private final String namespace = "t" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final String ada1 = "order-a1-" + UUID.randomUUID();
    private final String ada2 = "order-a2-" + UUID.randomUUID();
    private final String bob1 = "order-b1-" + UUID.randomUUID();
    private final String cyd1 = "order-c1-" + UUID.randomUUID();
    private ElasticsearchClient client;
    private ElasticsearchDefinedReadModel orders;
    private ElasticsearchOrderQueries queries;

    @BeforeEach
    void applyOrders(StoreEndpoints stores) throws Exception {
        client = ElasticsearchConnector.connect(stores.elasticsearchUrl());
        orders = new ElasticsearchDefinedReadModel(client, namespace, ShippedDefinitions.program("order-search"));
        queries = new ElasticsearchOrderQueries(client, orders);
        OrderEventLog log = new OrderEventLog(1);
        log.created(ada1, "customer-ada", "Ada Lovelace", "EUR", "120.50", DAY1, "Analytical Engine", "Punch Cards");
        log.created(ada2, "customer-ada", "Ada Lovelace", "EUR", "9.99", DAY2, "Brass Gears");
        log.created(bob1, "customer-bob", "Bob Babbage", "USD", "15.00", DAY1.plusSeconds(60), "Punch Cards");
        log.created(cyd1, "customer-cyd", "Cyd Charisse", "USD", "300.00", DAY2.plusSeconds(60), "Dance Shoes");
        log.shipped(ada1, "DHL", "TRACK-1", DAY1.plusSeconds(3600), 3_600_000);
        log.shipped(bob1, "UPS", "TRACK-2", DAY2, 80_000_000);
        log.cancelled(cyd1, "too expensive", DAY2.plusSeconds(120));
        orders.projector().apply(new EventBatch(log.events(), log.head()));
        // Only tests and read-your-writes waits make writes visible on demand; the projector never refreshes.
        orders.refresh();
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            orders.drop();
        } finally {
            client._transport().close();
        }
    }

    private static List<String> ids(OrderSearchResult result) {
        return result.hits().stream().map(OrderDocument::orderId).toList();
    }

    @Test
    void searchingEverythingReturnsNewestFirstWithAggregations() throws Exception {
        OrderSearchResult all = queries.search(OrderSearchRequest.all());

        assertThat(all.total()).isEqualTo(4);
        assertThat(ids(all)).containsExactly(cyd1, ada2, bob1, ada1);
        assertThat(all.aggregations().status()).containsExactly(
                Map.entry("CREATED", 1L), Map.entry("SHIPPED", 2L), Map.entry("CANCELLED", 1L));
        assertThat(all.aggregations().carrier()).isEqualTo(Map.of("DHL", 1L, "UPS", 1L));
        assertThat(all.aggregations().perDay()).containsExactly(
                new OrderSearchResult.DayCount("2026-03-01", 2), new OrderSearchResult.DayCount("2026-03-02", 2));
    }

    @Test
    void userTextMatchesCustomerAndItemNames() throws Exception {
        assertThat(ids(queries.search(new OrderSearchRequest("lovelace", null, null, null, null, null, null, null,
                "createdAt")))).containsExactly(ada1, ada2);
        assertThat(ids(queries.search(new OrderSearchRequest("punch", null, null, null, null, null, null, null,
                "createdAt")))).containsExactly(ada1, bob1);
        // All words must match, across the two fields.
        assertThat(ids(queries.search(new OrderSearchRequest("ada punch", null, null, null, null, null, null, null,
                null)))).containsExactly(ada1);
        // Query-language syntax is just text: no error, no match.
        assertThat(queries.search(new OrderSearchRequest("customerName:* OR (", null, null, null, null, null, null,
                null, null)).total()).isZero();
    }

    @Test
    void filtersNarrowTheHitsAndTheAggregations() throws Exception {
        OrderSearchResult shipped = queries.search(new OrderSearchRequest(null, "shipped", null, null, null, null,
                null, null, "totalAmount:desc"));
        assertThat(ids(shipped)).containsExactly(ada1, bob1);
        assertThat(shipped.aggregations().status()).containsEntry("SHIPPED", 2L).containsEntry("CREATED", 0L);

        assertThat(ids(queries.search(new OrderSearchRequest(null, null, "customer-ada", null, null, null, null, null,
                "createdAt")))).containsExactly(ada1, ada2);
        assertThat(ids(queries.search(new OrderSearchRequest(null, null, null, "UPS", null, null, null, null,
                null)))).containsExactly(bob1);

        OrderSearchResult day2 = queries.search(new OrderSearchRequest(null, null, null, null,
                Instant.parse("2026-03-02T00:00:00Z"), Instant.parse("2026-03-03T00:00:00Z"), null, null, "-createdAt"));
        assertThat(ids(day2)).containsExactly(cyd1, ada2);
        assertThat(day2.aggregations().perDay()).containsExactly(new OrderSearchResult.DayCount("2026-03-02", 2));
    }

    @Test
    void pagesAreStableAndCountTheWholeMatch() throws Exception {
        OrderSearchResult page0 = queries.search(new OrderSearchRequest(null, null, null, null, null, null, 0, 3,
                "createdAt:asc"));
        OrderSearchResult page1 = queries.search(new OrderSearchRequest(null, null, null, null, null, null, 1, 3,
                "createdAt:asc"));

        assertThat(page0.total()).isEqualTo(4);
        assertThat(ids(page0)).containsExactly(ada1, bob1, ada2);
        assertThat(ids(page1)).containsExactly(cyd1);
        assertThat(page1.aggregations().status().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(4);
    }

    @Test
    void findOrderReadsOneDocumentInRealTime() throws Exception {
        assertThat(queries.findOrder(bob1)).get().satisfies(o -> {
            assertThat(o.status()).isEqualTo("SHIPPED");
            assertThat(o.carrier()).isEqualTo("UPS");
            assertThat(o.trackingNumber()).isEqualTo("TRACK-2");
            assertThat(o.totalAmount()).isEqualByComparingTo("15.00");
        });
        assertThat(queries.findOrder("order-nope")).isEmpty();
        // A version not built yet (no index): nothing found, no failure.
        ElasticsearchOrderQueries unbuilt = new ElasticsearchOrderQueries(client,
                new ElasticsearchDefinedReadModel(client, namespace + "none-", ShippedDefinitions.program("order-search")));
        assertThat(unbuilt.findOrder(bob1)).isEmpty();
        assertThat(unbuilt.search(OrderSearchRequest.all()).total()).isZero();
    }

    @Test
    void badSearchParametersAreRejectedNamingTheParameter() {
        assertThatThrownBy(() -> new OrderSearchRequest(null, null, null, null, null, null, 0, 101, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("size");
        assertThatThrownBy(() -> new OrderSearchRequest(null, null, null, null, null, null, 0, 0, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("size");
        assertThatThrownBy(() -> new OrderSearchRequest(null, null, null, null, null, null, -1, 10, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("page");
        assertThatThrownBy(() -> new OrderSearchRequest(null, null, null, null, null, null, 200, 100, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("page");
        assertThatThrownBy(() -> new OrderSearchRequest(null, null, null, null, null, null, null, null, "password"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("sort");
        assertThatThrownBy(() -> new OrderSearchRequest(null, null, null, null, null, null, null, null, "_script"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("sort");
        assertThatThrownBy(() -> new OrderSearchRequest(null, "LOST", null, null, null, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("status");
        assertThatThrownBy(() -> new OrderSearchRequest(null, null, "a b", null, null, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("customerId");
        assertThatThrownBy(() -> new OrderSearchRequest(null, null, null, null, DAY2, DAY1, null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("from");
        assertThatThrownBy(() -> new OrderSearchRequest("x".repeat(300), null, null, null, null, null, null, null,
                null)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("q");
        assertThatThrownBy(() -> queries.findOrder("../_search")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("orderId");
    }
}
