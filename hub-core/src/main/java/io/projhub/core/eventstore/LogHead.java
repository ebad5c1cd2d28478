package io.projhub.core.eventstore;

import java.time.Instant;

/** The newest committed event of the log: where a read model must get to, and when that event was recorded. */
public record LogHead(LogPosition position, Instant recordedAt) {
}
