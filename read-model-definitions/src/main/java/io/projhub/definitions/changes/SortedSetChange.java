package io.projhub.definitions.changes;

/**
 * Redis: in the sorted set {@code set}, sets the score of {@code member} ({@code increment} false), adds to it
 * ({@code increment} true), or removes the member ({@code remove} true, {@code score} ignored). {@code keep} &gt; 0:
 * after an add, the set keeps only its {@code keep} members of highest score (a "latest N" list stays bounded).
 */
public record SortedSetChange(String set, String member, double score, boolean increment, boolean remove, long keep)
        implements Change {

    public SortedSetChange(String set, String member, double score, boolean increment, boolean remove) {
        this(set, member, score, increment, remove, 0);
    }
}
