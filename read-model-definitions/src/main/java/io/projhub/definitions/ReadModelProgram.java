package io.projhub.definitions;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.PartKeys;
import io.projhub.definitions.changes.Change;

/**
 * A definition compiled once (its expressions parsed and type-checked): the one interpreter that turns an event into
 * the store-neutral changes it makes. The store writers and the preview go through it (and the drift audit, to come).
 * Expressions see the event and nothing else: no clock, no randomness, so the same event always gives the same
 * changes.
 */
public interface ReadModelProgram {

    ReadModelDefinition definition();

    /** A hash of the compiled definition; stored with the checkpoint, so a changed file without a new version is seen. */
    String hash();

    /**
     * The definition file's text it was compiled from (a hub keeps it for a replaced build, so that it can still drop
     * that build's data after a restart, when the file says something else); empty if not known.
     */
    default String text() {
        return "";
    }

    /** The event types the definition handles. */
    Set<String> eventTypes();

    /**
     * The changes {@code event} makes, in the order the definition lists them (none for an event type it does not
     * handle, or whose {@code when} conditions are false).
     *
     * @throws ChangeFailure if an expression fails on this event (a missing field, a wrong type); the lane
     *                       dead-letters the event for this read model only
     */
    List<Change> changes(RecordedEvent event) throws ChangeFailure;

    /**
     * Whether an expression reads {@code doc}, the current document of the event's key: then the writer computes
     * changes with {@link #changes(RecordedEvent, Map)} (see {@link io.projhub.definitions.changes.DocumentFolding}).
     */
    default boolean usesDocument() {
        return false;
    }

    /** The key of the document an event changes unless an action names another (the definition's {@code key}). */
    default String keyOf(RecordedEvent event) throws ChangeFailure {
        return event.streamId();
    }

    /**
     * The keys of what {@code event} changes, for a lane that writes a batch in parts at once
     * ({@link io.projhub.core.projection.Projector#partKeys}). Written: each document it changes or deletes (a row's
     * document in PostgreSQL), each Neo4j node whose properties it sets, each document node a relationship ends at;
     * not counters or sorted sets, which the stores add to atomically. Locked: the other nodes its relationships end
     * at. Null when the keys cannot be told without the current document (a program that reads {@code doc} and links
     * nodes): the batch is then written whole. An event whose keys fail to compute answers none; it fails wherever it
     * is applied.
     */
    default PartKeys partKeys(RecordedEvent event) {
        return null;
    }

    /** The labels of the read model's document nodes (Neo4j: {@code target.labels}); empty elsewhere. */
    default Set<String> documentLabels() {
        return Set.of();
    }

    /**
     * The changes {@code event} makes when the document of its key is {@code document} (field → value of the declared
     * type, as {@link io.projhub.definitions.changes.DocumentFold} keeps them; timestamps may also be ISO-8601
     * strings; empty: no document yet).
     */
    default List<Change> changes(RecordedEvent event, Map<String, Object> document) throws ChangeFailure {
        return changes(event);
    }
}
