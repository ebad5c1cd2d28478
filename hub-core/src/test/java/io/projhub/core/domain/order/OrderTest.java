package io.projhub.core.domain.order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.projhub.core.domain.customer.Customer;
import io.projhub.core.error.BusinessRuleViolation;
import io.projhub.core.error.InvalidCommandException;

class OrderTest {

    private static final Instant CREATED = Instant.parse("2026-03-01T10:00:00Z");
    private static final Optional<Customer> ADA = Optional.of(
            new Customer("customer-1", "Ada", "ada@example.org", true, CREATED, null));

    private static CreateOrder.Item item(String name, String price, Integer quantity) {
        return new CreateOrder.Item(name, price == null ? null : new BigDecimal(price), quantity);
    }

    private static OrderCreated create(Optional<Customer> customer, String currency, CreateOrder.Item... items) {
        return Order.create("order-1", "customer-1", customer, currency, Arrays.asList(items), CREATED);
    }

    private static Order created() {
        return Order.evolve(null, create(ADA, "EUR", item("book", "12.5", 2), item("pen", "1.99", 3)));
    }

    @Test
    void anOrderCarriesItsCustomersNameAndItsTotalAtTheCurrencysScale() {
        OrderCreated created = create(ADA, "EUR", item("book", "12.5", 2), item("pen", "1.99", 3));
        assertThat(created.customerName()).isEqualTo("Ada");
        assertThat(created.totalAmount().toPlainString()).isEqualTo("30.97");
        assertThat(created.items().get(0).price().toPlainString()).isEqualTo("12.50");
        assertThat(Order.evolve(null, created).status()).isEqualTo(OrderStatus.CREATED);
    }

    @Test
    void anOrderNeedsAtLeastOneItem() {
        assertThatThrownBy(() -> create(ADA, "EUR"))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("order-has-no-items"));
        assertThatThrownBy(() -> Order.create("order-1", "customer-1", ADA, "EUR", null, CREATED))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("order-has-no-items"));
    }

    @Test
    void eachItemNeedsAPositivePriceAndQuantity() {
        assertThatThrownBy(() -> create(ADA, "EUR", item("book", "1", 1), item("free", "0", 1)))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("item-price-not-positive"));
        assertThatThrownBy(() -> create(ADA, "EUR", item("book", "1", 0)))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("item-quantity-not-positive"));
    }

    @Test
    void aMalformedItemNamesItsField() {
        List<CreateOrder.Item> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> Order.create("order-1", "customer-1", ADA, "EUR", withNull, CREATED))
                .isInstanceOfSatisfying(InvalidCommandException.class, e -> assertThat(e.field()).isEqualTo("items[0]"));
        assertThatThrownBy(() -> create(ADA, "EUR", item("book", "1", 1), item(" ", "1", 1)))
                .isInstanceOfSatisfying(InvalidCommandException.class,
                        e -> assertThat(e.field()).isEqualTo("items[1].name"));
        assertThatThrownBy(() -> create(ADA, "EUR", item("book", null, 1)))
                .isInstanceOfSatisfying(InvalidCommandException.class,
                        e -> assertThat(e.field()).isEqualTo("items[0].price"));
        assertThatThrownBy(() -> create(ADA, "JPY", item("book", "100.5", 1)))
                .isInstanceOfSatisfying(InvalidCommandException.class,
                        e -> assertThat(e.field()).isEqualTo("items[0].price"));
        assertThatThrownBy(() -> create(ADA, "EUR", item("book", "1", null)))
                .isInstanceOfSatisfying(InvalidCommandException.class,
                        e -> assertThat(e.field()).isEqualTo("items[0].quantity"));
        assertThatThrownBy(() -> create(ADA, null, item("book", "1", 1)))
                .isInstanceOfSatisfying(InvalidCommandException.class, e -> assertThat(e.field()).isEqualTo("currency"));
    }

    @Test
    void onlyAnExistingActiveCustomerCanOrder() {
        assertThatThrownBy(() -> create(Optional.empty(), "EUR", item("book", "1", 1)))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("customer-not-found"));
        Customer inactive = new Customer("customer-1", "Ada", "ada@example.org", false, CREATED, CREATED);
        assertThatThrownBy(() -> create(Optional.of(inactive), "EUR", item("book", "1", 1)))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("customer-inactive"));
    }

    @Test
    void aCreatedOrderShipsOnceAndTellsHowLongItTook() {
        Order order = created();
        OrderShipped shipped = order.ship("TRACK-1", "DHL", CREATED.plusSeconds(90));
        Order after = Order.evolve(order, shipped);

        assertThat(shipped.processingTimeMs()).isEqualTo(90_000);
        assertThat(after.status()).isEqualTo(OrderStatus.SHIPPED);
        assertThat(after.trackingNumber()).isEqualTo("TRACK-1");
        assertThatThrownBy(() -> after.ship("TRACK-2", "DHL", CREATED))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("order-already-shipped"));
        assertThatThrownBy(() -> after.cancel("too late", CREATED))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("order-already-shipped"));
    }

    @Test
    void aCancelledOrderNeitherShipsNorCancelsAgain() {
        Order cancelled = Order.evolve(created(), created().cancel("changed my mind", CREATED));
        assertThat(cancelled.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThatThrownBy(() -> cancelled.ship("TRACK-1", "DHL", CREATED))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("order-cancelled"));
        assertThatThrownBy(() -> cancelled.cancel("again", CREATED))
                .isInstanceOfSatisfying(BusinessRuleViolation.class,
                        e -> assertThat(e.rule()).isEqualTo("order-already-cancelled"));
    }

    @Test
    void shippingNeedsATrackingNumberAndACarrier() {
        assertThatThrownBy(() -> created().ship("", "DHL", CREATED))
                .isInstanceOfSatisfying(InvalidCommandException.class,
                        e -> assertThat(e.field()).isEqualTo("trackingNumber"));
        assertThatThrownBy(() -> created().ship("TRACK-1", null, CREATED))
                .isInstanceOfSatisfying(InvalidCommandException.class, e -> assertThat(e.field()).isEqualTo("carrier"));
    }
}
