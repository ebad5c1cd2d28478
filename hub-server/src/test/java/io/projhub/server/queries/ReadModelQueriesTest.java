package io.projhub.server.queries;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.projhub.core.domain.CommandContext;
import io.projhub.core.domain.customer.CustomerCommands;
import io.projhub.core.domain.customer.RegisterCustomer;
import io.projhub.core.domain.order.CancelOrder;
import io.projhub.core.domain.order.CreateOrder;
import io.projhub.core.domain.order.OrderCommands;
import io.projhub.core.domain.order.ShipOrder;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.server.HubTestBase;
import tools.jackson.databind.JsonNode;

/** Commands in, then every read model's query answers what the events imply, read with the last command's token. */
class ReadModelQueriesTest extends HubTestBase {

    @Autowired
    CustomerCommands customers;

    @Autowired
    OrderCommands orders;

    @Test
    void eachReadModelAnswersWhatTheEventsImplyWhenAskedWithTheConsistencyToken() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String carrier = "Carrier" + run;
        String product = "Gizmo" + run;
        AppendResult registered = customers.register(new RegisterCustomer(null, "Katherine Johnson " + run,
                "kj-" + run + "@example.com"), CommandContext.none());
        String customer = registered.streamId();
        JsonNode statsBefore = json(get("/api/stats/orders", ConsistencyGate.TOKEN_HEADER, registered.position().token()));

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(orders.create(new CreateOrder(null, customer, "EUR", List.of(
                    new CreateOrder.Item(product, new BigDecimal("10.00"), i + 1))), CommandContext.none()).streamId());
        }
        orders.ship(new ShipOrder(ids.get(0), "TRK-" + run, carrier), CommandContext.none());
        String token = orders.cancel(new CancelOrder(ids.get(1), "out of stock"), CommandContext.none())
                .position().token();

        // Elasticsearch: filters, free text and aggregations.
        HttpResponse<String> search = get("/api/orders/search?customerId=" + customer, ConsistencyGate.TOKEN_HEADER, token);
        assertThat(search.statusCode()).isEqualTo(200);
        assertThat(search.headers().firstValue(ConsistencyGate.CONSISTENCY_HEADER)).hasValue("consistent");
        JsonNode found = json(search);
        assertThat(found.path("total").asLong()).isEqualTo(3);
        assertThat(found.path("aggregations").path("status").path("CREATED").asLong()).isEqualTo(1);
        assertThat(found.path("aggregations").path("status").path("SHIPPED").asLong()).isEqualTo(1);
        assertThat(found.path("aggregations").path("status").path("CANCELLED").asLong()).isEqualTo(1);
        assertThat(found.path("aggregations").path("carrier").path(carrier).asLong()).isEqualTo(1);
        JsonNode byText = json(get("/api/orders/search?q=" + URLEncoder.encode(product.toLowerCase(), StandardCharsets.UTF_8)));
        assertThat(byText.path("total").asLong()).isEqualTo(3);
        JsonNode injection = json(get("/api/orders/search?q=" + URLEncoder.encode("\" OR *:* {\"match_all\":{}}", StandardCharsets.UTF_8)));
        assertThat(injection.path("total").asLong()).as("user text is data, not query syntax").isZero();

        // Redis: totals moved by exactly this test's orders.
        JsonNode stats = json(get("/api/stats/orders", ConsistencyGate.TOKEN_HEADER, token));
        assertThat(stats.path("total").asLong() - statsBefore.path("total").asLong()).isEqualTo(3);
        assertThat(stats.path("byStatus").path("SHIPPED").asLong() - statsBefore.path("byStatus").path("SHIPPED").asLong()).isEqualTo(1);
        assertThat(stats.path("byStatus").path("CANCELLED").asLong() - statsBefore.path("byStatus").path("CANCELLED").asLong()).isEqualTo(1);
        JsonNode recent = json(get("/api/orders/recent?limit=10", ConsistencyGate.TOKEN_HEADER, token));
        List<String> recentIds = new ArrayList<>();
        recent.forEach(o -> recentIds.add(o.path("orderId").asString()));
        assertThat(recentIds).containsAll(ids);

        // Neo4j: the shipped order's graph and the customer's orders.
        JsonNode graph = json(get("/api/orders/" + ids.get(0) + "/graph", ConsistencyGate.TOKEN_HEADER, token));
        List<String> labels = new ArrayList<>();
        graph.path("nodes").forEach(n -> n.path("labels").forEach(l -> labels.add(l.asString())));
        assertThat(labels).contains("Order", "Customer", "Product", "Shipment", "Carrier");
        JsonNode customerGraph = json(get("/api/customers/" + customer + "/orders-graph", ConsistencyGate.TOKEN_HEADER, token));
        long orderNodes = 0;
        for (JsonNode n : customerGraph.path("nodes")) {
            for (JsonNode l : n.path("labels")) {
                if (l.asString().equals("Order")) {
                    orderNodes++;
                }
            }
        }
        assertThat(orderNodes).isEqualTo(3);

        // InfluxDB: the lifecycle of this test's carrier.
        HttpResponse<String> lifecycle = get("/api/metrics/order-lifecycle?range=1d&groupBy=carrier",
                ConsistencyGate.TOKEN_HEADER, token);
        assertThat(lifecycle.statusCode()).as(lifecycle.body()).isEqualTo(200);
        JsonNode group = null;
        for (JsonNode g : json(lifecycle).path("groups")) {
            if (g.path("key").asString().equals(carrier)) {
                group = g;
            }
        }
        assertThat(group).as("lifecycle group for %s in %s", carrier, lifecycle.body()).isNotNull();
        assertThat(group.path("count").asLong()).isEqualTo(1);

        // The relational view: order details.
        JsonNode details = json(get("/api/orders/" + ids.get(1), ConsistencyGate.TOKEN_HEADER, token));
        assertThat(details.path("status").asString()).isEqualTo("CANCELLED");
        assertThat(details.path("cancelReason").asString()).isEqualTo("out of stock");
    }

    @Test
    void badQueryParametersAre400sNamingTheParameter() throws Exception {
        assertBadParameter(get("/api/orders/search?size=1000"), "size");
        assertBadParameter(get("/api/orders/search?page=-1"), "page");
        assertBadParameter(get("/api/orders/search?from=yesterday"), "from");
        assertBadParameter(get("/api/orders/search?status=LOST"), "status");
        assertBadParameter(get("/api/orders/search?sort=password"), "sort");
        assertBadParameter(get("/api/orders/recent?limit=abc"), "limit");
        assertBadParameter(get("/api/orders/recent?limit=100000"), "limit");
        assertBadParameter(get("/api/metrics/order-lifecycle?groupBy=customer"), "groupBy");
        assertBadParameter(get("/api/metrics/order-lifecycle?range=forever"), "range");
    }

    private static void assertBadParameter(HttpResponse<String> response, String parameter) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.body()).contains(parameter);
    }
}
