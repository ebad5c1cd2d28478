package io.projhub.monitor.audit;

/**
 * One difference between a read model and the log.
 *
 * @param key          the document it concerns, where the audit knows it; null for a version record
 * @param logVersion   the stream's last version the log says the read model should have applied (null: none)
 * @param storeVersion the version the store recorded for the stream (0: no record)
 * @param detail       what differs, in words, or why a repair
 *                     failed
 * @param repaired     whether the repair was applied and read back
 */
public record Difference(DifferenceKind kind, String streamId, String key, Long logVersion, long storeVersion,
                         String detail, boolean repaired) {

    public Difference withRepair(boolean repaired, String detail) {
        return new Difference(kind, streamId, key, logVersion, storeVersion, detail, repaired);
    }
}
