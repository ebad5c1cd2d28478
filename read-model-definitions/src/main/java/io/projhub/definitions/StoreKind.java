package io.projhub.definitions;

import java.util.Arrays;
import java.util.Optional;

/** The stores a read model can live in, by the name a definition file gives them ({@code store:}). */
public enum StoreKind {
    ELASTICSEARCH("elasticsearch"),
    REDIS("redis"),
    NEO4J("neo4j"),
    INFLUXDB("influxdb"),
    POSTGRES("postgres");

    private final String id;

    StoreKind(String id) {
        this.id = id;
    }

    /** The name used in definition files and in the API. */
    public String id() {
        return id;
    }

    public static Optional<StoreKind> byId(String id) {
        return Arrays.stream(values()).filter(kind -> kind.id.equals(id)).findFirst();
    }
}
