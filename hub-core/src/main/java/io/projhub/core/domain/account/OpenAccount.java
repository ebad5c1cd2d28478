package io.projhub.core.domain.account;

import java.math.BigDecimal;

/**
 * Opens an account; {@code accountId} may be null for a generated {@code account-<uuid>}; {@code currency} is an
 * ISO 4217 code.
 */
public record OpenAccount(String accountId, String currency, BigDecimal initialBalance) {
}
