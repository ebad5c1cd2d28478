package io.projhub.monitor.audit;

/**
 * What to audit and who asked: always every stream's version record; with {@code sample} above 0, also the content of
 * that many streams picked at random (their documents folded from the log and compared field by field) and the totals
 * many streams feed.
 *
 * @param trigger {@code admin} or {@code schedule}
 * @param by      the admin's name, or null
 */
public record AuditRequest(int sample, String trigger, String by) {

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
        return new AuditRequest(sample, "schedule", null);
    }

    public static AuditRequest admin(int sample, String by) {
        return new AuditRequest(sample, "admin", by);
    }
}
