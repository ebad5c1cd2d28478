package io.projhub.bench;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.domain.account.AccountCreated;
import io.projhub.core.domain.account.MoneyDeposited;
import io.projhub.core.domain.account.MoneyWithdrawn;
import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.EventTypeRegistry;

/**
 * A reproducible bank-account workload for the read models of the definition files: accounts open (one per 20
 * events), then deposits and withdrawals (never below zero) in three currencies, interleaved across accounts.
 */
public final class AccountWorkload {

    private static final String[] CURRENCIES = {"EUR", "USD", "CHF"};
    private static final String[] SOURCES = {"salary", "gift", "refund", "interest"};

    private final EventTypeRegistry registry = DomainEventTypes.registry();
    private final String prefix;
    private final Random random;
    private final Instant start = Instant.parse("2026-11-01T00:00:00Z");

    public AccountWorkload(String prefix, long seed) {
        this.prefix = prefix;
        this.random = new Random(seed);
    }

    /** {@code events} events, one per append. */
    public List<OrderWorkload.Append> generate(int events) {
        int accounts = Math.max(1, events / 20);
        List<OrderWorkload.Append> appends = new ArrayList<>(events);
        BigDecimal[] balances = new BigDecimal[accounts];
        for (int a = 0; a < accounts && appends.size() < events; a++) {
            balances[a] = BigDecimal.valueOf(random.nextInt(100_000), 2);
            appends.add(one(id(a), new AccountCreated(id(a), balances[a], currency(a), start.plusSeconds(a))));
        }
        long second = accounts;
        while (appends.size() < events) {
            int a = random.nextInt(accounts);
            BigDecimal amount = BigDecimal.valueOf(1 + random.nextInt(50_000), 2);
            Instant at = start.plusSeconds(++second);
            if (random.nextInt(3) > 0 || balances[a].compareTo(amount) < 0) {
                balances[a] = balances[a].add(amount);
                appends.add(one(id(a), new MoneyDeposited(id(a), amount, currency(a),
                        SOURCES[random.nextInt(SOURCES.length)], balances[a], at)));
            } else {
                balances[a] = balances[a].subtract(amount);
                appends.add(one(id(a), new MoneyWithdrawn(id(a), amount, currency(a), "bill", balances[a], at)));
            }
        }
        return appends;
    }

    private String id(int account) {
        return prefix + "account-" + account;
    }

    private static String currency(int account) {
        return CURRENCIES[account % CURRENCIES.length];
    }

    private OrderWorkload.Append one(String streamId, Object event) {
        return new OrderWorkload.Append(streamId, "account", List.of(registry.toNewEvent(event, EventMetadata.EMPTY)));
    }
}
