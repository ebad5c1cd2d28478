package io.projhub.server.queries;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import io.projhub.core.domain.StreamIds;
import io.projhub.definitions.DefinedReadModel;

/**
 * Order details, assembled from the {@code order-details} read model (the order, its shipment, its item rows) and the
 * {@code customer-directory} read model (its customer).
 */
@RestController
@RequestMapping("/api/orders")
public class OrderQueryController {

    private final ReadModelResponses responses;
    private final OrderReadModels orders;

    public OrderQueryController(ReadModelResponses responses, OrderReadModels orders) {
        this.responses = responses;
        this.orders = orders;
    }

    @GetMapping("/{id}")
    public ResponseEntity<OrderDetails> order(@PathVariable String id,
                                              @RequestHeader(name = ConsistencyGate.TOKEN_HEADER, required = false) String token)
            throws Exception {
        StreamIds.require("id", id);
        DefinedReadModel details = orders.require(OrderReadModels.DETAILS, DefinedReadModel.class);
        Optional<DefinedReadModel> customers = optional(OrderReadModels.CUSTOMERS);
        // the customer's part comes from customer-directory: the token is awaited there too
        ResponseEntity<OrderDetails> answer = responses.answer(OrderReadModels.DETAILS,
                java.util.List.of(OrderReadModels.CUSTOMERS), id, token, () -> {
            Optional<Map<String, Object>> order = details.document(id, 1);
            if (order.isEmpty()) {
                return null;
            }
            String customerId = (String) order.get().get("customer_id");
            Map<String, Object> customer = customerId == null || customers.isEmpty() ? Map.of()
                    : customers.get().document(customerId, 1).orElse(Map.of());
            return details(id, order.get(), customer);
        });
        if (answer.getBody() == null) {
            throw new OrderNotFoundException(id, answer.getHeaders());
        }
        return answer;
    }

    private Optional<DefinedReadModel> optional(String name) {
        try {
            return Optional.of(orders.require(name, DefinedReadModel.class));
        } catch (ReadModelResponses.ReadModelDisabledException e) {
            return Optional.empty();
        }
    }

    @SuppressWarnings("unchecked")
    static OrderDetails details(String id, Map<String, Object> order, Map<String, Object> customer) {
        String currency = (String) order.get("currency");
        List<OrderDetails.Item> items = ((List<Map<String, Object>>) order.getOrDefault("order_items", List.of()))
                .stream()
                .map(i -> new OrderDetails.Item(((Number) i.get("line_no")).intValue(), (String) i.get("name"),
                        money((BigDecimal) i.get("price"), currency), ((Number) i.get("quantity")).intValue()))
                .toList();
        String name = customer.get("name") != null ? (String) customer.get("name") : (String) order.get("customer_name");
        var shipment = order.get("tracking_number") == null ? null : new OrderDetails.Shipment(
                (String) order.get("tracking_number"), (String) order.get("carrier"), instant(order.get("shipped_at")),
                order.get("processing_time_ms") == null ? 0 : ((Number) order.get("processing_time_ms")).longValue());
        return new OrderDetails(id, (String) order.get("status"), money((BigDecimal) order.get("total_amount"), currency),
                currency, instant(order.get("created_at")), instant(order.get("shipped_at")),
                instant(order.get("cancelled_at")), (String) order.get("cancel_reason"),
                order.get("version") == null ? 0 : ((Number) order.get("version")).longValue(),
                new OrderDetails.Customer((String) order.get("customer_id"), name, (String) customer.get("email"),
                        (Boolean) customer.get("active")),
                items, shipment);
    }

    /** Amounts are stored with four decimals; callers get them at their currency's scale, as they were sent. */
    private static BigDecimal money(BigDecimal amount, String currency) {
        if (amount == null || currency == null) {
            return amount;
        }
        int scale = Currency.getInstance(currency.strip()).getDefaultFractionDigits();
        return amount.setScale(Math.max(scale, 0), RoundingMode.UNNECESSARY);
    }

    private static Instant instant(Object value) {
        return value == null ? null : Instant.parse(value.toString());
    }

    /** No order with this id in the read model (yet: a token tells the query to wait for a write). */
    public static final class OrderNotFoundException extends ResponseStatusException {
        private final HttpHeaders headers;

        /** @param headers what the consistency gate saw (a 404 may be stale: the order not applied yet) */
        public OrderNotFoundException(String id, HttpHeaders headers) {
            super(HttpStatus.NOT_FOUND, "No order " + id + " in the read model");
            this.headers = HttpHeaders.readOnlyHttpHeaders(headers);
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }
    }
}
