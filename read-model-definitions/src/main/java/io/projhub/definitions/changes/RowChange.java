package io.projhub.definitions.changes;

import java.util.Map;

/**
 * PostgreSQL: upserts (or deletes) one row of a child table of the document {@code parentKey}; {@code key} holds the
 * values of the child table's key columns, {@code values} the other columns to set.
 */
public record RowChange(String table, String parentKey, Map<String, Object> key, Map<String, Object> values,
                        boolean delete) implements Change {

    public RowChange {
        key = Map.copyOf(key);
        values = Map.copyOf(values);
    }
}
