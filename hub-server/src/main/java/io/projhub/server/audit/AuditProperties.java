package io.projhub.server.audit;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

import io.projhub.monitor.audit.AuditSettings;

/**
 * The drift audit ({@code projhub.audit.*}): every value left out takes {@link AuditSettings#DEFAULTS}, so the
 * defaults live in one place. {@code interval: 0s} audits only on request. {@code verify-cutover} (default true): a
 * build that has caught up is switched to only after a clean version audit of it.
 */
@ConfigurationProperties("projhub.audit")
public record AuditProperties(Duration interval, Integer pageSize, Duration confirmDelay, Duration repairTimeout,
                              Integer contentSample, Boolean verifyCutover) {

    public AuditSettings settings() {
        AuditSettings d = AuditSettings.DEFAULTS;
        return new AuditSettings(interval == null ? d.interval() : interval, pageSize == null ? d.pageSize() : pageSize,
                confirmDelay == null ? d.confirmDelay() : confirmDelay,
                repairTimeout == null ? d.repairTimeout() : repairTimeout,
                contentSample == null ? d.contentSample() : contentSample);
    }
}
