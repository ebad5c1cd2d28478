package io.projhub.monitor.audit;

import java.util.List;

/**
 * Compares what streams fed into a read model with the definition's fold of their events from the log (the one
 * interpreter of the definitions). The hub supplies it; the monitor knows no definition and no store.
 */
public interface ContentAuditor {

    /** An auditor for read models it cannot compare. */
    ContentAuditor NONE = new ContentAuditor() {
        @Override
        public List<Difference> compare(String readModel, String streamId) {
            return null;
        }
    };

    /**
     * The {@link DifferenceKind#CONTENT} differences of the stream's own document (empty: it matches the log).
     *
     * @return null if it cannot be compared: the read model has no document of the stream, or a write of the stream
     *         landed while it was read
     * @throws Exception the store's or the log's failure
     */
    List<Difference> compare(String readModel, String streamId) throws Exception;

    /**
     * Checks what many streams add up to (Redis counters against the sum of their streams' contributions) and, with
     * {@code repair}, corrects a total atomically in the store; each difference says whether it was repaired.
     */
    default List<Difference> aggregates(String readModel, boolean repair) throws Exception {
        return List.of();
    }
}
