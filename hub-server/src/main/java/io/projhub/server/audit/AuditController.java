package io.projhub.server.audit;

import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import io.projhub.monitor.audit.AuditReport;
import io.projhub.monitor.audit.AuditRequest;
import io.projhub.monitor.audit.Difference;
import io.projhub.monitor.audit.DifferenceKind;
import io.projhub.monitor.audit.DriftAudits;
import io.projhub.server.queries.QueryParameters;
import io.projhub.server.web.InvalidParameterException;
import io.projhub.server.web.StrictRequestBody;
import io.swagger.v3.oas.annotations.Operation;

/** Drift audits: start one (admin), follow it, list them. */
@RestController
public class AuditController {

    private final ObjectProvider<DriftAudits> audits;

    public AuditController(ObjectProvider<DriftAudits> audits) {
        this.audits = audits;
    }

    /** An audit as the API shows it. */
    public record AuditView(long id, String readModel, String state, String trigger, String requestedBy,
                            Instant startedAt, Instant endedAt, Double durationSeconds, String upTo,
                            long streamsChecked, int sample, long contentChecked, boolean clean, Map<String, Long> counts, List<DifferenceView> differences,
                            long repaired, long unrepaired, String error) {

        static AuditView of(AuditReport r) {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (DifferenceKind kind : DifferenceKind.values()) {
                counts.put(kind.id(), r.counts().getOrDefault(kind, 0L));
            }
            return new AuditView(r.id(), r.readModel(), r.state().name(), r.trigger(), r.requestedBy(), r.startedAt(),
                    r.endedAt(), r.duration() == null ? null : r.duration().toMillis() / 1000.0, r.upTo(),
                    r.streamsChecked(), r.sample(), r.contentChecked(), r.clean(), counts, r.differences().stream().map(DifferenceView::of).toList(),
                    r.repaired(), r.unrepaired(), r.error());
        }
    }

    /**
     * The body of an audit request (optional): {@code content: true} compares the documents of {@code sample}
     * streams (default {@value AuditRequest#DEFAULT_SAMPLE}, at most {@value AuditRequest#MAX_SAMPLE}) with the log
     * and checks the totals many streams feed.
     */
    public record AuditBody(Boolean content, Integer sample, Boolean removeExtra) implements StrictRequestBody {

        /** The streams to compare by content: 0 without {@code content: true}. */
        int streams() {
            if (sample != null && (sample < 1 || sample > AuditRequest.MAX_SAMPLE)) {
                throw new InvalidParameterException("sample", "sample must be between 1 and "
                        + AuditRequest.MAX_SAMPLE);
            }
            if (!Boolean.TRUE.equals(content)) {
                if (sample != null) {
                    throw new InvalidParameterException("sample", "sample is the size of a content audit: send it "
                            + "with content: true");
                }
                return 0;
            }
            return sample == null ? AuditRequest.DEFAULT_SAMPLE : sample;
        }
    }

    /** One difference: its kind, the stream, what the log says and what the store holds, and whether it was repaired. */
    public record DifferenceView(String kind, String streamId, String key, Long logVersion, long storeVersion,
                                 String detail, boolean repaired) {
        static DifferenceView of(Difference d) {
            return new DifferenceView(d.kind().id(), d.streamId(), d.key(), d.logVersion(), d.storeVersion(),
                    d.detail(), d.repaired());
        }
    }

    @Operation(summary = "Audit a read model against the log, and repair what drifted",
            description = "Starts a version audit in the background: every stream the read model handles, the log's "
                    + "last version at the read model's checkpoint against the version its store recorded; missing "
                    + "and stale streams are applied again by the read model's lane and read back; version records "
                    + "the log does not back are reported as extra (never removed by the audit); streams behind a "
                    + "dead letter are reported as parked. With {\"content\": true, \"sample\": n} (default 100) "
                    + "it also compares the documents of n streams picked at random with the definition's fold of "
                    + "their events, rewrites on the lane each stream that differs, and checks Redis counters against "
                    + "their streams' contributions. With {\"removeExtra\": true} extra records are removed: "
                    + "the stream is rewritten from what the log holds of it. 202 with the audit (follow it at Location), 404 for an unknown "
                    + "read model, 409 naming the audit already running for it.")
    @PostMapping("/api/admin/read-models/{name}/audit")
    public ResponseEntity<AuditView> audit(@PathVariable String name,
                                           @RequestBody(required = false) AuditBody body, Authentication who) {
        int sample = body == null ? 0 : body.streams();
        boolean removeExtras = body != null && Boolean.TRUE.equals(body.removeExtra());
        AuditReport report;
        try {
            report = audits().request(name,
                    AuditRequest.admin(sample, removeExtras, who == null ? null : who.getName()));
        } catch (IllegalArgumentException e) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "No read model named " + name);
        } catch (DriftAudits.AuditRunningException e) {
            throw new ResponseStatusException(HttpStatus.CONFLICT, "Audit " + e.runningId() + " of read model " + name
                    + " is running; follow it at /api/audits/" + e.runningId());
        }
        return ResponseEntity.accepted().location(URI.create("/api/audits/" + report.id())).body(AuditView.of(report));
    }

    @Operation(summary = "Drift audits, newest first", description = "Optionally of one read model.")
    @GetMapping("/api/audits")
    public List<AuditView> list(@RequestParam(required = false) String readModel,
                                @RequestParam(required = false) String limit) {
        int max = QueryParameters.boundedInt("limit", limit, 1, 1000, 50);
        String only = readModel == null || readModel.isBlank() ? null : readModel.strip();
        return audits().audits(only, max).stream().map(AuditView::of).toList();
    }

    @Operation(summary = "The newest drift audit of each read model audited (the dashboard's cards)")
    @GetMapping("/api/audits/latest")
    public List<AuditView> latest() {
        return audits().latest().stream().map(AuditView::of).toList();
    }

    @Operation(summary = "One drift audit: state, progress, differences by kind (the first 100 listed), repairs")
    @GetMapping("/api/audits/{id}")
    public AuditView get(@PathVariable long id) {
        return audits().audit(id).map(AuditView::of)
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "No audit " + id));
    }

    private DriftAudits audits() {
        DriftAudits current = audits.getIfAvailable();
        if (current == null) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND,
                    "Drift audits run with the consistency monitor, which is switched off in this hub "
                            + "(projhub.monitor.enabled)");
        }
        return current;
    }
}
