package io.projhub.server.audit;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.projhub.definitions.DefinedReadModel;
import io.projhub.monitor.MonitoredReadModel;
import io.projhub.monitor.audit.AuditReport;
import io.projhub.monitor.audit.AuditRequest;
import io.projhub.monitor.audit.AuditState;
import io.projhub.monitor.audit.DriftAudits;
import io.projhub.server.definitions.CutoverCheck;

/**
 * Verified cutover: a build that has caught up (a new version, an admin rebuild) is switched to only after a clean
 * version audit of the build itself, on its own lane. An audit that finds differences has repaired what it could and
 * raised the DRIFT alert of the build; the live build keeps answering, and the build is audited again
 * {@value #AGAIN_AFTER_SECONDS} s later.
 */
final class AuditedCutover implements CutoverCheck {

    static final long AGAIN_AFTER_SECONDS = 30;

    private final DriftAudits audits;
    private final Map<String, Long> auditOf = new ConcurrentHashMap<>();

    AuditedCutover(DriftAudits audits) {
        this.audits = audits;
    }

    @Override
    public Verdict verdict(String lane, DefinedReadModel build) {
        Long id = auditOf.get(lane);
        Optional<AuditReport> last = id == null ? Optional.empty() : audits.audit(id);
        if (last.isPresent()) {
            AuditReport report = last.get();
            if (report.state() == AuditState.RUNNING) {
                return Verdict.WAIT;
            }
            if (report.clean()) {
                auditOf.remove(lane);
                return Verdict.PASS;
            }
            if (report.endedAt() != null
                    && report.endedAt().isAfter(Instant.now().minus(Duration.ofSeconds(AGAIN_AFTER_SECONDS)))) {
                return Verdict.WAIT;
            }
        }
        try {
            auditOf.put(lane, audits.request(new MonitoredReadModel(lane, build.probe(),
                    build.projector().eventTypes()), AuditRequest.cutover()).id());
        } catch (DriftAudits.AuditRunningException e) {
            auditOf.put(lane, e.runningId());
        }
        return Verdict.WAIT;
    }
}
