package io.projhub.definitions;

import java.util.Map;
import java.util.Optional;

import io.projhub.core.projection.Projector;
import io.projhub.core.projection.ReadModelProbe;

/**
 * A read model of a definition file in one store: the store's writer (the lane's projector), its probe and its
 * document lookup. Every store implements it the same way:
 * <ul>
 *   <li>the projector applies the program's changes event by event, in batch order, skipping each event whose
 *       version is at or below the version the store recorded for its stream, and records that version atomically
 *       with the data (Redis Lua, PostgreSQL and Neo4j transactions), inside the document (Elasticsearch, written
 *       with optimistic concurrency) or as a deterministic overwrite (InfluxDB points);</li>
 *   <li>the checkpoint is stored with the program's {@link ReadModelProgram#hash() hash};</li>
 *   <li>{@link Projector#reset()} removes this read model's own data and nothing else.</li>
 * </ul>
 */
public interface DefinedReadModel {

    ReadModelProgram program();

    /** The lane's projector; its name is the definition's name. */
    Projector projector();

    /** Reads the checkpoint and per-stream versions from the store. */
    ReadModelProbe probe();

    /** The definition hash stored with the checkpoint, empty if the store holds none yet. */
    Optional<String> storedHash() throws Exception;

    /**
     * One document as JSON-ready values (String, Number, Boolean, List, Map; decimals as {@link java.math.BigDecimal},
     * timestamps as ISO-8601 strings), empty if there is none: the Elasticsearch document, the Redis hash, the Neo4j
     * node with its relationships to {@code depth} (1 or 2), the PostgreSQL row with its child rows by table, or
     * the latest point of the InfluxDB series whose tags are {@code key} ({@code tag=value,tag=value}).
     */
    Optional<Map<String, Object>> document(String key, int depth) throws Exception;

    /**
     * Which build of its definition's version this is: 0 for the first, one more for each admin rebuild, which
     * builds beside the live build under physical names of its own ({@link ReadModelDefinition#versionTag(int)}).
     */
    default int generation() {
        return 0;
    }

    /**
     * Called once this build has become the one queries read (after a new version or a rebuild caught up): a store
     * with a public name for the live build (the Elasticsearch alias) points it here.
     */
    default void promote() throws Exception {
    }

    /** Removes every piece of data of this read model from the store, version record and checkpoint included. */
    void drop() throws Exception;
}
