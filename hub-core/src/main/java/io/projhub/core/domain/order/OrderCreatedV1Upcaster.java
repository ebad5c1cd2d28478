package io.projhub.core.domain.order;

import java.math.BigDecimal;
import java.util.Currency;
import java.util.Objects;

import io.projhub.core.eventstore.Upcaster;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code OrderCreated} v1 to v2. Version 1 predates multi-currency orders: its prices are in one legacy currency,
 * and its total was never stored, so it is computed from the items at that currency's scale.
 */
public final class OrderCreatedV1Upcaster implements Upcaster {

    private final Currency legacyCurrency;

    public OrderCreatedV1Upcaster(Currency legacyCurrency) {
        this.legacyCurrency = Objects.requireNonNull(legacyCurrency, "legacyCurrency");
    }

    @Override
    public String eventType() {
        return OrderCreated.TYPE;
    }

    @Override
    public int fromSchemaVersion() {
        return 1;
    }

    @Override
    public JsonNode upcast(JsonNode data) {
        ObjectNode v2 = (ObjectNode) data;
        int scale = legacyCurrency.getDefaultFractionDigits();
        BigDecimal total = BigDecimal.ZERO.setScale(scale);
        for (JsonNode item : data.path("items")) {
            total = total.add(item.path("price").decimalValue().multiply(BigDecimal.valueOf(item.path("quantity").asLong())));
        }
        v2.put("currency", legacyCurrency.getCurrencyCode());
        v2.put("totalAmount", total.setScale(scale));
        return v2;
    }
}
