package io.projhub.monitor.audit;

/**
 * Who asked for an audit.
 *
 * @param trigger {@code admin} or {@code schedule}
 * @param by      the admin's name, or null
 */
public record AuditRequest(String trigger, String by) {

    public static final AuditRequest SCHEDULED = new AuditRequest("schedule", null);

    public AuditRequest {
        if (trigger == null || trigger.isBlank()) {
            throw new IllegalArgumentException("trigger is required");
        }
    }

    public static AuditRequest admin(String by) {
        return new AuditRequest("admin", by);
    }
}
