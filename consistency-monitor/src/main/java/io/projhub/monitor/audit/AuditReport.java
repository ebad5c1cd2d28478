package io.projhub.monitor.audit;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One audit of one read model, as recorded in PostgreSQL.
 *
 * @param upTo           the read model's checkpoint the audit compared the log up to (its consistency token)
 * @param sample         streams asked to be compared by content
 * @param streamsChecked streams of the log whose version record was compared so far
 * @param contentChecked streams whose document was compared with the log
 * @param counts         differences by kind, all of them
 * @param differences    the first {@value #LISTED} differences
 */
public record AuditReport(long id, String readModel, AuditState state, String trigger, String requestedBy,
                          int sample, Instant startedAt, Instant endedAt, String upTo, long streamsChecked,
                          long contentChecked, Map<DifferenceKind, Long> counts,
                          List<Difference> differences, long repaired, long unrepaired, String error) {

    /** How many differences an audit lists (all are counted). */
    public static final int LISTED = 100;

    public AuditReport {
        counts = Map.copyOf(counts);
        differences = List.copyOf(differences);
    }

    /** Differences other than parked streams (which the dead-letter alert already reports). */
    public long drift() {
        return counts.entrySet().stream().filter(e -> e.getKey() != DifferenceKind.PARKED)
                .mapToLong(Map.Entry::getValue).sum();
    }

    /** Done, and the read model matched the log (parked streams aside). */
    public boolean clean() {
        return state == AuditState.DONE && drift() == 0;
    }

    public Duration duration() {
        return endedAt == null ? null : Duration.between(startedAt, endedAt);
    }
}
