package io.projhub.server.commands;

import java.math.BigDecimal;
import java.time.Instant;

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
import io.projhub.core.domain.account.Account;
import io.projhub.core.domain.account.AccountCommands;
import io.projhub.core.domain.account.DepositMoney;
import io.projhub.core.domain.account.OpenAccount;
import io.projhub.core.domain.account.WithdrawMoney;
import io.projhub.server.web.StrictRequestBody;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

@RestController
@RequestMapping("/api/accounts")
@Tag(name = "Accounts", description = "Account commands and the account's state rebuilt from its events")
public class AccountController {

    /** {@code id} may be left out for a generated {@code account-<uuid>}; amounts are numbers or numeric strings. */
    public record OpenAccountRequest(String id, String currency, BigDecimal initialBalance)
            implements StrictRequestBody {
    }

    public record DepositRequest(BigDecimal amount, String source) implements StrictRequestBody {
    }

    public record WithdrawRequest(BigDecimal amount, String reason) implements StrictRequestBody {
    }

    public record AccountState(String accountId, long version, String currency, BigDecimal balance, Instant openedAt,
                               Instant lastChangedAt) {

        static AccountState of(VersionedState<Account> state) {
            Account a = state.state();
            return new AccountState(a.id(), state.version(), a.currency().getCurrencyCode(), a.balance(),
                    a.openedAt(), a.lastChangedAt());
        }
    }

    private final AccountCommands accounts;

    public AccountController(AccountCommands accounts) {
        this.accounts = accounts;
    }

    @Operation(summary = "Open an account", description = "201 with Location of the account's state")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<CommandResponse> open(CommandContext context, @RequestBody OpenAccountRequest body) {
        String id = body.id() == null ? null : StreamIds.require("id", body.id());
        return CommandResponse.created(accounts.open(new OpenAccount(id, body.currency(), body.initialBalance()),
                context), "/api/accounts/{id}");
    }

    @Operation(summary = "Deposit money")
    @PostMapping(path = "/{accountId}/deposit", consumes = MediaType.APPLICATION_JSON_VALUE)
    public CommandResponse deposit(CommandContext context, @PathVariable String accountId,
                                   @RequestBody DepositRequest body) {
        return CommandResponse.of(accounts.deposit(new DepositMoney(accountId, body.amount(), body.source()), context));
    }

    @Operation(summary = "Withdraw money", description = "Never beyond the balance (422 insufficient-funds)")
    @PostMapping(path = "/{accountId}/withdraw", consumes = MediaType.APPLICATION_JSON_VALUE)
    public CommandResponse withdraw(CommandContext context, @PathVariable String accountId,
                                    @RequestBody WithdrawRequest body) {
        return CommandResponse.of(accounts.withdraw(new WithdrawMoney(accountId, body.amount(), body.reason()),
                context));
    }

    @Operation(summary = "The account's state rebuilt from its events",
            description = "Now, or as it was right after version asOfVersion, or at the instant asOf (ISO-8601)")
    @GetMapping("/{accountId}")
    public AccountState state(@PathVariable String accountId, @RequestParam(required = false) Long asOfVersion,
                              @RequestParam(required = false) String asOf) {
        AsOf when = AsOf.of(asOfVersion, asOf);
        VersionedState<Account> state = when.version() != null ? accounts.stateAt(accountId, when.version())
                : when.instant() != null ? accounts.stateAt(accountId, when.instant())
                : accounts.current(accountId);
        return AccountState.of(state);
    }
}
