package io.projhub.definitions.changes;

/**
 * Redis: in the sorted set {@code set}, sets the score of {@code member} ({@code increment} false), adds to it
 * ({@code increment} true), or removes the member ({@code remove} true, {@code score} ignored).
 */
public record SortedSetChange(String set, String member, double score, boolean increment, boolean remove)
        implements Change {
}
