package io.projhub.definitions;

import java.util.List;
import java.util.Map;

/**
 * A PostgreSQL table of rows that belong to one document of the main table (an order's items): each row carries the
 * document's key in the {@code parent_key} column, is identified by {@code key} (columns of its own, unique per
 * document), and is removed with its document.
 */
public record ChildTable(String name, List<String> key, Map<String, FieldSpec> columns) {

    public ChildTable {
        key = List.copyOf(key);
        columns = Map.copyOf(columns);
    }
}
