package io.projhub.monitor.audit;

import java.time.Duration;

/**
 * @param interval       how often every read model gets a version audit (zero: only on request)
 * @param pageSize       streams compared per round trip to the log and to the store
 * @param confirmDelay   how long a difference is given before it is read again and recorded (a write in flight, an
 *                       Elasticsearch refresh)
 * @param repairTimeout  how long a page's repairs may take on the lane
 * @param contentSample  streams each periodic audit compares by content (0: none)
 */
public record AuditSettings(Duration interval, int pageSize, Duration confirmDelay, Duration repairTimeout,
                            int contentSample) {

    public static final AuditSettings DEFAULTS = new AuditSettings(Duration.ofMinutes(10), 1000,
            Duration.ofMillis(1500), Duration.ofSeconds(60), 100);

    public AuditSettings {
        if (interval == null || interval.isNegative()) {
            throw new IllegalArgumentException("projhub.audit.interval must be zero or positive");
        }
        if (pageSize < 1 || pageSize > 10_000) {
            throw new IllegalArgumentException("projhub.audit.page-size must be between 1 and 10000");
        }
        if (confirmDelay == null || confirmDelay.isNegative() || repairTimeout == null || repairTimeout.isZero() || repairTimeout.isNegative()) {
            throw new IllegalArgumentException("projhub.audit delays must be positive");
        }
        if (contentSample < 0 || contentSample > AuditRequest.MAX_SAMPLE) {
            throw new IllegalArgumentException("projhub.audit.content-sample must be between 0 and "
                    + AuditRequest.MAX_SAMPLE);
        }
    }
}
