package io.projhub.definitions.changes;

/**
 * Removes one document (and, in PostgreSQL, its child rows; in Neo4j, the node and the relationships its stream
 * created). The per-stream version record stays, so a replay of older events changes nothing.
 */
public record DeleteDocument(String key) implements Change {
}
