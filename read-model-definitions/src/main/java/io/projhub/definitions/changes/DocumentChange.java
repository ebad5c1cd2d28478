package io.projhub.definitions.changes;

import java.util.List;

/**
 * Changes to the fields of one document (Elasticsearch document, Redis hash, Neo4j node, PostgreSQL row of the main
 * table), created if it does not exist yet. {@code key} identifies the document within the read model.
 */
public record DocumentChange(String key, List<FieldOp> ops) implements Change {

    public DocumentChange {
        ops = List.copyOf(ops);
    }
}
