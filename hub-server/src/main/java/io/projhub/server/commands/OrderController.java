package io.projhub.server.commands;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.projhub.core.domain.CommandContext;
import io.projhub.core.domain.StreamIds;
import io.projhub.core.domain.VersionedState;
import io.projhub.core.domain.order.CancelOrder;
import io.projhub.core.domain.order.CreateOrder;
import io.projhub.core.domain.order.Order;
import io.projhub.core.domain.order.OrderCommands;
import io.projhub.core.domain.order.OrderItem;
import io.projhub.core.domain.order.OrderStatus;
import io.projhub.core.domain.order.ShipOrder;
import io.projhub.server.web.StrictRequestBody;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

@RestController
@RequestMapping("/api/orders")
@Tag(name = "Orders", description = "Order commands and the order's state rebuilt from its events")
public class OrderController {

    /** {@code id} may be left out for a generated {@code order-<uuid>}; prices are in {@code currency}. */
    public record CreateOrderRequest(String id, String customerId, String currency, List<ItemRequest> items)
            implements StrictRequestBody {

        /** {@code price} per unit: a JSON number or a numeric string, at most the currency's decimals. */
        public record ItemRequest(String name, BigDecimal price, Integer quantity) {
        }
    }

    public record ShipOrderRequest(String trackingNumber, String carrier) implements StrictRequestBody {
    }

    public record CancelOrderRequest(String reason) implements StrictRequestBody {
    }

    public record OrderState(String orderId, long version, String customerId, String customerName, String currency,
                             List<OrderItem> items, BigDecimal totalAmount, OrderStatus status, Instant createdAt,
                             String trackingNumber, String carrier, Instant shippedAt, String cancelReason,
                             Instant cancelledAt) {

        static OrderState of(VersionedState<Order> state) {
            Order o = state.state();
            return new OrderState(o.id(), state.version(), o.customerId(), o.customerName(),
                    o.currency().getCurrencyCode(), o.items(), o.totalAmount(), o.status(), o.createdAt(),
                    o.trackingNumber(), o.carrier(), o.shippedAt(), o.cancelReason(), o.cancelledAt());
        }
    }

    private final OrderCommands orders;

    public OrderController(OrderCommands orders) {
        this.orders = orders;
    }

    @Operation(summary = "Place an order", description = "The customer must exist and be active; 201 with Location "
            + "of the order's state")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<CommandResponse> create(CommandContext context, @RequestBody CreateOrderRequest body) {
        String id = body.id() == null ? null : StreamIds.require("id", body.id());
        List<CreateOrder.Item> items = body.items() == null ? null : body.items().stream()
                .map(i -> i == null ? null : new CreateOrder.Item(i.name(), i.price(), i.quantity()))
                .toList();
        return CommandResponse.created(orders.create(new CreateOrder(id, body.customerId(), body.currency(), items),
                context), "/api/orders/{id}/state");
    }

    @Operation(summary = "Ship an order", description = "Only a created order ships")
    @PostMapping(path = "/{orderId}/ship", consumes = MediaType.APPLICATION_JSON_VALUE)
    public CommandResponse ship(CommandContext context, @PathVariable String orderId,
                                @RequestBody ShipOrderRequest body) {
        return CommandResponse.of(orders.ship(new ShipOrder(orderId, body.trackingNumber(), body.carrier()), context));
    }

    @Operation(summary = "Cancel an order", description = "Only before it ships")
    @PostMapping(path = "/{orderId}/cancel", consumes = MediaType.APPLICATION_JSON_VALUE)
    public CommandResponse cancel(CommandContext context, @PathVariable String orderId,
                                  @RequestBody CancelOrderRequest body) {
        return CommandResponse.of(orders.cancel(new CancelOrder(orderId, body.reason()), context));
    }

    @Operation(summary = "The order's state rebuilt from its events",
            description = "Now, or as it was right after version asOfVersion, or at the instant asOf (ISO-8601)")
    @GetMapping("/{orderId}/state")
    public OrderState state(@PathVariable String orderId, @RequestParam(required = false) Long asOfVersion,
                            @RequestParam(required = false) String asOf) {
        AsOf when = AsOf.of(asOfVersion, asOf);
        VersionedState<Order> state = when.version() != null ? orders.stateAt(orderId, when.version())
                : when.instant() != null ? orders.stateAt(orderId, when.instant())
                : orders.current(orderId);
        return OrderState.of(state);
    }
}
