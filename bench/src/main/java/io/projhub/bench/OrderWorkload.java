package io.projhub.bench;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.domain.customer.CustomerRegistered;
import io.projhub.core.domain.order.OrderCancelled;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.domain.order.OrderItem;
import io.projhub.core.domain.order.OrderShipped;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.NewEvent;

/**
 * A reproducible order workload: customers register, then orders are created with 1–3 lines from 50 products; half
 * are shipped by one of four carriers, a tenth of the rest cancelled. Every stream id starts with the run's prefix,
 * so runs over one database never collide. Each append is one command's worth of events (one event).
 */
public final class OrderWorkload {

    public static final List<String> CARRIERS = List.of("DHL", "UPS", "FedEx", "GLS");
    private static final String[] CURRENCIES = {"EUR", "USD", "GBP"};

    /** One append: a stream's next events. */
    public record Append(String streamId, String streamType, List<NewEvent> events) {
    }

    /** What a generated workload holds, to compare read models with. */
    public record Totals(long events, long customers, long orders, long shipped, long cancelled) {
    }

    private final EventTypeRegistry registry = DomainEventTypes.registry();
    private final String prefix;
    private final Random random;
    private final Instant start = Instant.parse("2026-11-01T00:00:00Z");

    public OrderWorkload(String prefix, long seed) {
        this.prefix = prefix;
        this.random = new Random(seed);
    }

    public String prefix() {
        return prefix;
    }

    /**
     * At least {@code events} events as appends: one customer per 20 orders, registered first; a shipment or a
     * cancellation follows its order's creation a few dozen appends later, as in a live shop.
     */
    public List<Append> generate(int events) {
        int orders = Math.max(1, (int) Math.ceil(events / 1.6));
        int customers = Math.max(1, orders / 20);
        List<Append> appends = new ArrayList<>(events + 64);
        List<Append> later = new ArrayList<>();
        for (int c = 0; c < customers; c++) {
            String id = customerId(c);
            appends.add(one(id, "customer", new CustomerRegistered(id, "Customer " + c, "c" + c + "@example.com",
                    start.plusSeconds(c))));
        }
        long total = customers;
        for (int o = 0; o < orders && total < events; o++) {
            String orderId = prefix + "order-" + o;
            int customer = random.nextInt(customers);
            List<OrderItem> items = new ArrayList<>();
            BigDecimal sum = BigDecimal.ZERO;
            int lines = 1 + random.nextInt(3);
            for (int l = 0; l < lines; l++) {
                BigDecimal price = BigDecimal.valueOf(100 + random.nextInt(9900), 2);
                int quantity = 1 + random.nextInt(3);
                items.add(new OrderItem("product-" + random.nextInt(50), price, quantity));
                sum = sum.add(price.multiply(BigDecimal.valueOf(quantity)));
            }
            Instant at = start.plusSeconds(3600L + o);
            appends.add(one(orderId, "order", new OrderCreated(orderId, customerId(customer), "Customer " + customer,
                    CURRENCIES[o % CURRENCIES.length], items, sum, at)));
            total++;
            if (total < events && o % 2 == 0) {
                later.add(one(orderId, "order", new OrderShipped(orderId, "TRK" + prefix + o,
                        CARRIERS.get(random.nextInt(CARRIERS.size())), at.plusSeconds(60), 60_000)));
                total++;
            } else if (total < events && o % 10 == 5) {
                later.add(one(orderId, "order", new OrderCancelled(orderId, "changed my mind", at.plusSeconds(30))));
                total++;
            }
            if (later.size() >= 32) {
                appends.addAll(later);
                later.clear();
            }
        }
        appends.addAll(later);
        return appends;
    }

    /** Counts of what {@code appends} hold (for checking read models after a run). */
    public static Totals totals(List<Append> appends) {
        long events = 0, customers = 0, orders = 0, shipped = 0, cancelled = 0;
        for (Append append : appends) {
            for (NewEvent event : append.events()) {
                events++;
                switch (event.type()) {
                    case "CustomerRegistered" -> customers++;
                    case OrderCreated.TYPE -> orders++;
                    case "OrderShipped" -> shipped++;
                    case "OrderCancelled" -> cancelled++;
                    default -> { }
                }
            }
        }
        return new Totals(events, customers, orders, shipped, cancelled);
    }

    private String customerId(int c) {
        return prefix + "customer-" + c;
    }

    private Append one(String streamId, String streamType, Object event) {
        return new Append(streamId, streamType, List.of(registry.toNewEvent(event, EventMetadata.EMPTY)));
    }

    /** Result of appending: how many events, how long, the last position written. */
    public record AppendRun(long events, long nanos, long lastPosition) {
        public double eventsPerSecond() {
            return events * 1e9 / nanos;
        }
    }

    /**
     * Appends every append with {@code threads} writers; a stream always goes to the same writer, so its events stay
     * in order. Returns once all are committed.
     */
    public static AppendRun appendAll(EventStore store, List<Append> appends, int threads) throws Exception {
        List<List<Append>> perThread = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            perThread.add(new ArrayList<>());
        }
        for (Append append : appends) {
            perThread.get(Math.floorMod(append.streamId().hashCode(), threads)).add(append);
        }
        AtomicLong last = new AtomicLong(-1);
        AtomicLong count = new AtomicLong();
        long begin = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (List<Append> mine : perThread) {
                futures.add(pool.submit(() -> {
                    for (Append append : mine) {
                        AppendResult result = store.append(append.streamId(), append.streamType(), ExpectedVersion.ANY,
                                append.events());
                        last.accumulateAndGet(result.position().position(), Math::max);
                        count.addAndGet(append.events().size());
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return new AppendRun(count.get(), System.nanoTime() - begin, last.get());
    }
}
