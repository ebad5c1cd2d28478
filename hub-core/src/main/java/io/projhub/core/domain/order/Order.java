package io.projhub.core.domain.order;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Optional;

import io.projhub.core.domain.AggregateKind;
import io.projhub.core.domain.FieldChecks;
import io.projhub.core.domain.MoneyRules;
import io.projhub.core.domain.customer.Customer;
import io.projhub.core.error.BusinessRuleViolation;
import io.projhub.core.error.InvalidCommandException;

/**
 * An order, as its events made it. It is created, then either shipped or cancelled, and stays so. Shipping and
 * cancellation fields are null until they happen.
 */
public record Order(String id, String customerId, String customerName, Currency currency, List<OrderItem> items,
                    BigDecimal totalAmount, OrderStatus status, Instant createdAt,
                    String trackingNumber, String carrier, Instant shippedAt,
                    String cancelReason, Instant cancelledAt) {

    public static final String STREAM_TYPE = "order";
    public static final int MAX_ITEMS = 500;
    public static final int MAX_QUANTITY = 1_000_000;

    public static final AggregateKind<Order, OrderEvent> KIND = new AggregateKind<>(
            STREAM_TYPE, "order/1", Order.class, OrderEvent.class, Order::evolve);

    public Order {
        items = List.copyOf(items);
    }

    /**
     * Decides the creation of an order for {@code customer} (empty if there is no such customer). The command is
     * checked for form first (400), then against the rules (422).
     */
    public static OrderCreated create(String id, String customerId, Optional<Customer> customer, String currencyCode,
                                      List<CreateOrder.Item> items, Instant now) {
        Currency currency = MoneyRules.currency("currency", currencyCode);
        if (items != null && items.size() > MAX_ITEMS) {
            throw new InvalidCommandException("items", "must have at most " + MAX_ITEMS + " items");
        }
        List<OrderItem> lines = new ArrayList<>();
        for (int i = 0; items != null && i < items.size(); i++) {
            lines.add(wellFormedItem("items[" + i + "]", items.get(i), currency));
        }
        if (lines.isEmpty()) {
            throw new BusinessRuleViolation("order-has-no-items", "An order needs at least one item");
        }
        BigDecimal total = BigDecimal.ZERO.setScale(currency.getDefaultFractionDigits());
        for (int i = 0; i < lines.size(); i++) {
            OrderItem line = lines.get(i);
            if (line.price().signum() <= 0) {
                throw new BusinessRuleViolation("item-price-not-positive",
                        "The price of items[" + i + "] must be positive: " + line.price().toPlainString());
            }
            if (line.quantity() <= 0) {
                throw new BusinessRuleViolation("item-quantity-not-positive",
                        "The quantity of items[" + i + "] must be positive: " + line.quantity());
            }
            total = total.add(line.price().multiply(BigDecimal.valueOf(line.quantity())));
        }
        if (total.compareTo(MoneyRules.LIMIT) >= 0) {
            throw new BusinessRuleViolation("order-total-too-large",
                    "The order total must be less than " + MoneyRules.LIMIT.toPlainString());
        }
        Customer buyer = customer.orElseThrow(() -> new BusinessRuleViolation("customer-not-found",
                "There is no customer " + customerId));
        if (!buyer.active()) {
            throw new BusinessRuleViolation("customer-inactive", "Customer " + customerId + " is inactive");
        }
        return new OrderCreated(id, buyer.id(), buyer.name(), currency.getCurrencyCode(), List.copyOf(lines), total, now);
    }

    private static OrderItem wellFormedItem(String field, CreateOrder.Item item, Currency currency) {
        if (item == null) {
            throw new InvalidCommandException(field, "is required");
        }
        String name = FieldChecks.requiredText(field + ".name", item.name(), 200);
        BigDecimal price = MoneyRules.amount(field + ".price", item.price(), currency);
        if (item.quantity() == null) {
            throw new InvalidCommandException(field + ".quantity", "is required");
        }
        if (item.quantity() > MAX_QUANTITY) {
            throw new InvalidCommandException(field + ".quantity", "must be at most " + MAX_QUANTITY);
        }
        return new OrderItem(name, price, item.quantity());
    }

    /** Decides the shipping of this order: only a created order ships. */
    public OrderShipped ship(String trackingNumber, String carrier, Instant now) {
        String checkedTracking = FieldChecks.requiredText("trackingNumber", trackingNumber, 100);
        String checkedCarrier = FieldChecks.requiredText("carrier", carrier, 100);
        if (status == OrderStatus.SHIPPED) {
            throw new BusinessRuleViolation("order-already-shipped", "Order " + id + " has already shipped");
        }
        if (status == OrderStatus.CANCELLED) {
            throw new BusinessRuleViolation("order-cancelled", "Order " + id + " was cancelled");
        }
        long processingTimeMs = Math.max(0, Duration.between(createdAt, now).toMillis());
        return new OrderShipped(id, checkedTracking, checkedCarrier, now, processingTimeMs);
    }

    /** Decides the cancellation of this order: only before it ships. */
    public OrderCancelled cancel(String reason, Instant now) {
        String checkedReason = FieldChecks.requiredText("reason", reason, 500);
        if (status == OrderStatus.SHIPPED) {
            throw new BusinessRuleViolation("order-already-shipped", "Order " + id + " has shipped; it cannot be cancelled");
        }
        if (status == OrderStatus.CANCELLED) {
            throw new BusinessRuleViolation("order-already-cancelled", "Order " + id + " is already cancelled");
        }
        return new OrderCancelled(id, checkedReason, now);
    }

    /** The state after {@code event}; {@code state} is null before the first event. */
    public static Order evolve(Order state, OrderEvent event) {
        if (event instanceof OrderCreated e) {
            Currency currency = Currency.getInstance(e.currency());
            int scale = currency.getDefaultFractionDigits();
            List<OrderItem> items = e.items().stream()
                    .map(i -> new OrderItem(i.name(), i.price().setScale(scale), i.quantity())).toList();
            return new Order(e.orderId(), e.customerId(), e.customerName(), currency, items,
                    e.totalAmount().setScale(scale), OrderStatus.CREATED, e.createdAt(), null, null, null, null, null);
        }
        if (state == null) {
            throw new IllegalStateException(event.getClass().getSimpleName() + " before OrderCreated in "
                    + event.orderId());
        }
        if (event instanceof OrderShipped e) {
            return new Order(state.id, state.customerId, state.customerName, state.currency, state.items,
                    state.totalAmount, OrderStatus.SHIPPED, state.createdAt, e.trackingNumber(), e.carrier(),
                    e.shippedAt(), null, null);
        }
        if (event instanceof OrderCancelled e) {
            return new Order(state.id, state.customerId, state.customerName, state.currency, state.items,
                    state.totalAmount, OrderStatus.CANCELLED, state.createdAt, null, null, null, e.reason(),
                    e.cancelledAt());
        }
        throw new IllegalStateException("Unhandled order event " + event);
    }
}
