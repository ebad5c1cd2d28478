package io.projhub.core.domain.customer;

import java.time.Instant;

public record CustomerRegistered(String customerId, String name, String email, Instant registeredAt)
        implements CustomerEvent {
}
