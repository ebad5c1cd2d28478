package io.projhub.core.domain.account;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import io.projhub.core.domain.CommandContext;
import io.projhub.core.domain.CommandSettings;
import io.projhub.core.domain.EventSourcedRepository;
import io.projhub.core.domain.StreamIds;
import io.projhub.core.domain.VersionedState;
import io.projhub.core.error.StreamNotFoundException;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.EventTypeRegistry;

/** Handles the account commands and answers the account's state, now or in the past. */
public final class AccountCommands {

    private final EventSourcedRepository<Account, AccountEvent> accounts;
    private final Clock clock;

    public AccountCommands(EventStore store, EventTypeRegistry registry, CommandSettings settings, Clock clock) {
        this.accounts = new EventSourcedRepository<>(store, registry, Account.KIND, settings);
        this.clock = clock;
    }

    /** Opens an account; the result's stream id is the account id. */
    public AppendResult open(OpenAccount command, CommandContext context) {
        String id = StreamIds.givenOrGenerated("accountId", command.accountId(), Account.STREAM_TYPE);
        return accounts.create(id, context, command,
                () -> List.of(Account.open(id, command.currency(), command.initialBalance(), now())));
    }

    public AppendResult deposit(DepositMoney command, CommandContext context) {
        String id = StreamIds.require("accountId", command.accountId());
        return accounts.execute(id, context, command,
                account -> List.of(account.deposit(command.amount(), command.source(), now())));
    }

    public AppendResult withdraw(WithdrawMoney command, CommandContext context) {
        String id = StreamIds.require("accountId", command.accountId());
        return accounts.execute(id, context, command,
                account -> List.of(account.withdraw(command.amount(), command.reason(), now())));
    }

    /** The account now. @throws StreamNotFoundException if there is no such account */
    public VersionedState<Account> current(String accountId) {
        String id = StreamIds.require("accountId", accountId);
        return accounts.load(id).orElseThrow(() -> new StreamNotFoundException(id, "No account " + id));
    }

    /** The account right after its event at {@code version}. @throws StreamNotFoundException if it has no such version */
    public VersionedState<Account> stateAt(String accountId, long version) {
        String id = StreamIds.require("accountId", accountId);
        return accounts.loadAtVersion(id, version)
                .orElseThrow(() -> new StreamNotFoundException(id, "Account " + id + " has no version " + version));
    }

    /** The account as it was at {@code asOf}. @throws StreamNotFoundException if it did not exist then */
    public VersionedState<Account> stateAt(String accountId, Instant asOf) {
        String id = StreamIds.require("accountId", accountId);
        return accounts.loadAt(id, asOf)
                .orElseThrow(() -> new StreamNotFoundException(id, "Account " + id + " did not exist at " + asOf));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
