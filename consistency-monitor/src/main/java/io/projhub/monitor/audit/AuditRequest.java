package io.projhub.monitor.audit;

/**
 * What to audit and who asked: always every stream's version record; with {@code sample} above 0, also the content of
 * that many streams picked at random (their documents folded from the log and compared field by field) and the totals
 * many streams feed.
 *
 * @param removeExtras whether {@code extra} version records (streams the log lacks, versions it never reached) are
 *                     removed: the stream is rewritten from what the log holds of it (an admin's explicit choice)
 * @param trigger {@code admin}, {@code schedule} or {@code cutover}
 * @param by      the admin's name, or null
 */
public record AuditRequest(int sample, boolean removeExtras, String trigger, String by) {

    /** The most streams one audit compares by content. */
    public static final int MAX_SAMPLE = 100_000;
    /** A content audit's sample when the request names none. */
    public static final int DEFAULT_SAMPLE = 100;

    public AuditRequest {
        if (sample < 0 || sample > MAX_SAMPLE) {
            throw new IllegalArgumentException("sample must be between 0 and " + MAX_SAMPLE);
        }
        if (trigger == null || trigger.isBlank()) {
            throw new IllegalArgumentException("trigger is required");
        }
    }

    public static AuditRequest scheduled(int sample) {
        return new AuditRequest(sample, false, "schedule", null);
    }

    /** The audit of a build that has caught up, before queries switch to it (version records only). */
    public static AuditRequest cutover() {
        return new AuditRequest(0, false, "cutover", null);
    }

    public static AuditRequest admin(int sample, boolean removeExtras, String by) {
        return new AuditRequest(sample, removeExtras, "admin", by);
    }
}
