package io.projhub.projectors.testing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.domain.account.AccountCreated;
import io.projhub.core.domain.account.MoneyDeposited;
import io.projhub.core.domain.account.MoneyWithdrawn;
import io.projhub.core.domain.order.OrderCancelled;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.domain.order.OrderItem;
import io.projhub.core.domain.order.OrderShipped;
import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.eventstore.RecordedEvent;

/** A synthetic event log for tests: increasing positions and transaction ids, per-stream versions. */
public final class OrderEventLog {

    private final EventTypeRegistry registry = DomainEventTypes.registry();
    private final List<RecordedEvent> events = new ArrayList<>();
    private final Map<String, Long> versions = new HashMap<>();
    private long position;

    public OrderEventLog(long firstPosition) {
        this.position = firstPosition - 1;
    }

    public RecordedEvent created(String orderId, String customerId, String customerName, String currency, String total,
                                 Instant at, String... itemNames) {
        List<OrderItem> items = new ArrayList<>();
        for (String name : itemNames) {
            items.add(new OrderItem(name, new BigDecimal(total), 1));
        }
        return append(orderId, "order", new OrderCreated(orderId, customerId, customerName, currency, items,
                new BigDecimal(total), at), at);
    }

    public RecordedEvent shipped(String orderId, String carrier, String tracking, Instant at, long processingMs) {
        return append(orderId, "order", new OrderShipped(orderId, tracking, carrier, at, processingMs), at);
    }

    public RecordedEvent cancelled(String orderId, String reason, Instant at) {
        return append(orderId, "order", new OrderCancelled(orderId, reason, at), at);
    }

    public RecordedEvent opened(String accountId, String balance, String currency, Instant at) {
        return append(accountId, "account", new AccountCreated(accountId, new BigDecimal(balance), currency, at), at);
    }

    public RecordedEvent deposited(String accountId, String amount, String currency, String balanceAfter, Instant at) {
        return append(accountId, "account", new MoneyDeposited(accountId, new BigDecimal(amount), currency, "salary",
                new BigDecimal(balanceAfter), at), at);
    }

    public RecordedEvent withdrawn(String accountId, String amount, String currency, String balanceAfter, Instant at) {
        return append(accountId, "account", new MoneyWithdrawn(accountId, new BigDecimal(amount), currency, "rent",
                new BigDecimal(balanceAfter), at), at);
    }

    public RecordedEvent append(String streamId, String streamType, Object data, Instant at) {
        NewEvent event = registry.toNewEvent(data, EventMetadata.EMPTY);
        long version = versions.merge(streamId, 1L, Long::sum);
        position++;
        RecordedEvent recorded = new RecordedEvent(position, 1000 + position, streamId, streamType, version,
                event.type(), registry.currentSchemaVersion(event.type()), event.data(), EventMetadata.EMPTY, at);
        events.add(recorded);
        return recorded;
    }

    public List<RecordedEvent> events() {
        return List.copyOf(events);
    }

    public LogPosition head() {
        return events.get(events.size() - 1).logPosition();
    }
}
