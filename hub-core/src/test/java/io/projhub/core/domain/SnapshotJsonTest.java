package io.projhub.core.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.projhub.core.domain.account.Account;
import io.projhub.core.domain.customer.Customer;
import io.projhub.core.domain.order.CreateOrder;
import io.projhub.core.domain.order.Order;
import io.projhub.core.eventstore.EventJson;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A snapshot that does not read back is silently replaced by a full replay; these prove every state reads back. */
class SnapshotJsonTest {

    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00.123Z");
    private final JsonMapper mapper = EventJson.newMapper();

    private <S> S roundTrip(S state, Class<S> type) {
        JsonNode json = mapper.readTree(mapper.writeValueAsString(mapper.valueToTree(state)));
        return mapper.treeToValue(json, type);
    }

    @Test
    void everyAggregateStateReadsBackFromItsSnapshotUnchanged() {
        Customer customer = Customer.evolve(null, Customer.register("customer-1", "Ada", "ada@example.org", NOW));
        Account account = Account.evolve(null, Account.open("account-1", "KWD", new BigDecimal("1.500"), NOW));
        Order order = Order.evolve(null, Order.create("order-1", "customer-1", Optional.of(customer), "EUR",
                List.of(new CreateOrder.Item("book", new BigDecimal("9.90"), 3)), NOW));
        Order shipped = Order.evolve(order, order.ship("TRACK-1", "DHL", NOW.plusSeconds(5)));

        assertThat(roundTrip(customer, Customer.class)).isEqualTo(customer);
        assertThat(roundTrip(account, Account.class)).isEqualTo(account);
        assertThat(roundTrip(account, Account.class).balance().toPlainString()).isEqualTo("1.500");
        assertThat(roundTrip(order, Order.class)).isEqualTo(order);
        assertThat(roundTrip(shipped, Order.class)).isEqualTo(shipped);
    }
}
