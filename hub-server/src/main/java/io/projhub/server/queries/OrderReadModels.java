package io.projhub.server.queries;

import io.projhub.definitions.DefinedReadModel;
import io.projhub.server.projection.ReadModel;
import io.projhub.server.projection.ReadModels;

/**
 * The read models of definition files that the order API ({@code /api/orders}, {@code /api/stats/orders},
 * {@code /api/customers/{id}/orders-graph}, {@code /api/metrics/order-lifecycle}) answers from: the files of the same
 * names in {@code read-models/}. The API reads their layouts; a version of a file that keeps its fields keeps the API.
 */
public final class OrderReadModels {

    /** PostgreSQL: an order's row, its shipment and its item rows. */
    public static final String DETAILS = "order-details";
    /** PostgreSQL: a customer's row. */
    public static final String CUSTOMERS = "customer-directory";
    /** Elasticsearch: orders searchable. */
    public static final String SEARCH = "order-search";
    /** Redis: order counters, revenue and recent orders. */
    public static final String STATS = "order-stats";
    /** Neo4j: orders, their customers, products, shipments and carriers. */
    public static final String GRAPH = "order-graph";
    /** InfluxDB: a point per order event. */
    public static final String LIFECYCLE = "order-lifecycle";

    private final ReadModels readModels;

    public OrderReadModels(ReadModels readModels) {
        this.readModels = readModels;
    }

    /** The live read model of this name, as {@code type}; a 404 naming it if no definition of it is loaded. */
    public <T extends DefinedReadModel> T require(String name, Class<T> type) {
        DefinedReadModel defined = readModels.find(name).map(ReadModel::defined).orElse(null);
        if (!type.isInstance(defined)) {
            throw new ReadModelResponses.ReadModelDisabledException(name);
        }
        return type.cast(defined);
    }
}
