package io.projhub.server.commands;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.server.queries.ConsistencyGate;

/**
 * The seed's three consistency levels over real HTTP and the five real stores: strong commands answer once every
 * read model that handles their events shows them (a search right after, without a token, finds the order);
 * narrowing; bad headers refused before anything is appended; causal chains through tokens; a token beyond the
 * log's head refused at once.
 */
class ConsistencyLevelsTest extends ApiTestSupport {

    private static final String STRONG = "strong";

    @Test
    void aStrongCommandIsAnsweredOnceEveryReadModelShowsItSoASearchWithoutATokenFindsIt() {
        String customer = newCustomer();
        String item = "Strongbox-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        Response created = postJson("/api/orders", """
                {"customerId": "%s", "currency": "EUR", "items": [{"name": "%s", "price": 5.00, "quantity": 1}]}"""
                .formatted(customer, item), StrongConsistency.LEVEL_HEADER, STRONG);

        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.header(ConsistencyGate.CONSISTENCY_HEADER)).isEqualTo("consistent");
        assertThat(created.header(ConsistencyGate.TOKEN_HEADER)).isEqualTo(created.json().path("position").asString());
        assertThat(created.header(StrongConsistency.READ_MODELS_HEADER).split(","))
                .containsExactlyInAnyOrder("order-search", "order-stats", "order-graph", "order-lifecycle", "order-details");
        String order = created.json().path("streamId").asString();

        // No token, no wait: what a strong command wrote is already visible everywhere.
        Response search = fetch("/api/orders/search?q=" + item);
        assertThat(search.status()).isEqualTo(200);
        assertThat(search.json().path("total").asLong()).as(search.body()).isEqualTo(1);
        assertThat(fetch("/api/orders/" + order).status()).isEqualTo(200);
        assertThat(fetch("/api/orders/" + order + "/graph").status()).isEqualTo(200);
    }

    @Test
    void aStrongCommandCanWaitForSomeReadModelsOnly() {
        String customer = newCustomer();
        Response created = postJson("/api/orders", """
                {"customerId": "%s", "currency": "EUR", "items": [{"name": "Gear", "price": 1.00, "quantity": 3}]}"""
                .formatted(customer), StrongConsistency.LEVEL_HEADER, STRONG, StrongConsistency.READ_MODELS_HEADER,
                "order-stats, order-details");

        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header(ConsistencyGate.CONSISTENCY_HEADER)).isEqualTo("consistent");
        assertThat(created.header(StrongConsistency.READ_MODELS_HEADER)).isEqualTo("order-details,order-stats");
        assertThat(fetch("/api/orders/" + created.json().path("streamId").asString()).status()).isEqualTo(200);
    }

    @Test
    void badConsistencyHeadersAre400sNamingThemAndAppendNothing() {
        String id = unique("customer-consistency");
        String body = """
                {"id": "%s", "name": "Alan Turing", "email": "alan@example.com"}""".formatted(id);

        Response badLevel = postJson("/api/customers", body, StrongConsistency.LEVEL_HEADER, "immediate");
        Response unknownModel = postJson("/api/customers", body, StrongConsistency.LEVEL_HEADER, STRONG,
                StrongConsistency.READ_MODELS_HEADER, "order-search,cassandra");
        Response narrowedWithoutStrong = postJson("/api/customers", body, StrongConsistency.READ_MODELS_HEADER, "order-stats");

        assertThat(badLevel.status()).isEqualTo(400);
        assertThat(badLevel.body()).contains(StrongConsistency.LEVEL_HEADER);
        assertThat(unknownModel.status()).isEqualTo(400);
        assertThat(unknownModel.body()).contains(StrongConsistency.READ_MODELS_HEADER).contains("cassandra");
        assertThat(narrowedWithoutStrong.status()).isEqualTo(400);
        assertThat(narrowedWithoutStrong.body()).contains(StrongConsistency.READ_MODELS_HEADER);
        assertThat(eventsOf(id)).isZero();
    }

    /**
     * Causal consistency as a session guarantee: each client passes the highest token it has seen. Client A
     * creates an order; client B, given A's token, reads it and ships it; A, passing the newest token it was told
     * of, reads the order and sees it shipped — never the state before a write it depends on.
     */
    @Test
    void aCausalChainOfTokensNeverShowsAStateBeforeAWriteTheReaderHasSeen() {
        String customer = newCustomer();
        Response created = postJson("/api/orders", """
                {"customerId": "%s", "currency": "EUR", "items": [{"name": "Relay", "price": 2.50, "quantity": 4}]}"""
                .formatted(customer), StrongConsistency.LEVEL_HEADER, "causal");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header(ConsistencyGate.CONSISTENCY_HEADER)).as("causal answers at once").isNull();
        String order = created.json().path("streamId").asString();
        String t1 = created.json().path("position").asString();

        Response seenByB = fetch("/api/orders/" + order, ConsistencyGate.TOKEN_HEADER, t1);
        assertThat(seenByB.status()).isEqualTo(200);
        assertThat(seenByB.header(ConsistencyGate.CONSISTENCY_HEADER)).isEqualTo("consistent");
        Response shipped = postJson("/api/orders/" + order + "/ship", """
                {"trackingNumber": "TRK-CAUSAL", "carrier": "UPS"}""", StrongConsistency.LEVEL_HEADER, "causal");
        String t2 = shipped.json().path("position").asString();
        String highest = LogPosition.parse(t1).compareTo(LogPosition.parse(t2)) >= 0 ? t1 : t2;

        Response seenByA = fetch("/api/orders/" + order, ConsistencyGate.TOKEN_HEADER, highest);
        assertThat(seenByA.header(ConsistencyGate.CONSISTENCY_HEADER)).isEqualTo("consistent");
        assertThat(seenByA.json().path("status").asString()).isEqualTo("SHIPPED");
        Response searchedByA = fetch("/api/orders/search?q=Relay&customerId=" + customer, ConsistencyGate.TOKEN_HEADER,
                highest);
        assertThat(searchedByA.json().path("hits").path(0).path("status").asString()).isEqualTo("SHIPPED");
    }

    @Test
    void aTokenBeyondTheLogsHeadIsA400AtOnce() {
        Response response = fetch("/api/orders/search?q=x", ConsistencyGate.TOKEN_HEADER, "999999999999.999999999");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body()).contains(ConsistencyGate.TOKEN_HEADER).contains("beyond the log's head");
        assertThat(response.header(ConsistencyGate.CONSISTENCY_HEADER)).as("refused, not waited on").isNull();
    }
}
