package io.projhub.core.domain.customer;

import java.time.Instant;

/** A deactivated customer can place no more orders. {@code reason} may be null. */
public record CustomerDeactivated(String customerId, String reason, Instant deactivatedAt) implements CustomerEvent {
}
