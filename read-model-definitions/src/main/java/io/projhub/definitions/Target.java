package io.projhub.definitions;

import java.util.List;
import java.util.Map;

/**
 * Where a read model lives in its store. Only the part for the definition's store is set:
 * {@code index} (Elasticsearch), {@code keyPrefix} (Redis), {@code labels} (Neo4j, the labels of the read model's
 * document nodes), {@code measurement} (InfluxDB), {@code table} and {@code tables} (PostgreSQL: the main table, one
 * row per document, and child tables of one-to-many rows).
 *
 * <p>The physical name carries the definition's version (an index {@code <index>-v<version>} behind the alias
 * {@code <index>}, a table {@code <table>_v<version>}, a key prefix {@code <keyPrefix>:v<version>}, a measurement
 * {@code <measurement>_v<version>}, a version property on nodes), so that a new version can be built beside the
 * live one.
 */
public record Target(String index, String keyPrefix, List<String> labels, String measurement, String table,
                     Map<String, ChildTable> tables) {

    public Target {
        labels = labels == null ? List.of() : List.copyOf(labels);
        tables = tables == null ? Map.of() : Map.copyOf(tables);
    }

    /** The name that identifies the target for ownership checks (one read model per target). */
    public String ownedName(StoreKind store) {
        return switch (store) {
            case ELASTICSEARCH -> index;
            case REDIS -> keyPrefix;
            case NEO4J -> String.join(":", labels);
            case INFLUXDB -> measurement;
            case POSTGRES -> table;
        };
    }
}
