package io.projhub.definitions.changes;

/**
 * One store-neutral change an event makes to a read model, computed by the interpreter. Each store writer turns
 * the kinds its store supports into writes; the loader refuses a definition that asks a store for a kind it does not
 * support.
 */
public sealed interface Change
        permits DocumentChange, DeleteDocument, RelationshipChange, PointChange, RowChange, CounterChange,
        SortedSetChange, NodeChange {
}
