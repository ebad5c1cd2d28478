package io.projhub.definitions.changes;

/**
 * Redis: adds {@code delta} ({@link Long}, or {@link java.math.BigDecimal} of {@code scale}) to a counter that many
 * streams feed. The writer keeps each stream's contribution beside the total, so a replay or a repair of one stream
 * never counts twice.
 */
public record CounterChange(String counter, Number delta, int scale) implements Change {
}
