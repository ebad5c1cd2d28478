package io.projhub.monitor.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.StreamVersion;
import io.projhub.core.projection.RecordedStreams;
import io.projhub.monitor.MonitoredReadModel;
import io.projhub.monitor.Redriver;
import io.projhub.monitor.audit.AuditReport;
import io.projhub.monitor.audit.AuditSettings;
import io.projhub.monitor.audit.ContentAuditor;
import io.projhub.monitor.audit.Difference;
import io.projhub.monitor.audit.DifferenceKind;

/**
 * One audit of one read model (see {@link io.projhub.monitor.audit.DriftAudits}): the log's streams walked in pages
 * of stream ids against the store's version records, differences confirmed and repaired page by page, then the
 * store's records walked for what the log does not back, then the documents of a random sample of streams compared
 * with the log and the totals many streams feed checked. Memory is bounded by a page, the sample and the listed
 * differences.
 */
final class VersionAudit {

    /** What the audit has found so far; {@link Progress#update} receives it after every page. */
    static final class Tally {
        LogPosition upTo;
        long streamsChecked;
        long contentChecked;
        long repaired;
        long unrepaired;
        final Map<DifferenceKind, Long> counts = new EnumMap<>(DifferenceKind.class);
        final List<Difference> listed = new ArrayList<>();

        void add(Difference difference) {
            counts.merge(difference.kind(), 1L, Long::sum);
            if (listed.size() < AuditReport.LISTED) {
                listed.add(difference);
            }
            if (difference.kind().repairable() || difference.repaired()) {
                if (difference.repaired()) {
                    repaired++;
                } else {
                    unrepaired++;
                }
            }
        }
    }

    @FunctionalInterface
    interface Progress {
        void update(Tally tally) throws Exception;
    }

    /** How often a repair is read back before it counts as failed. */
    private static final int READ_BACKS = 20;
    private static final Duration READ_BACK_PAUSE = Duration.ofMillis(250);

    private final EventStore store;
    private final MonitoredReadModel readModel;
    private final Redriver redriver;
    private final AuditSettings settings;
    private final ContentAuditor contentAuditor;
    private final Random random;

    VersionAudit(EventStore store, MonitoredReadModel readModel, Redriver redriver, AuditSettings settings,
                 ContentAuditor contentAuditor, Random random) {
        this.store = store;
        this.readModel = readModel;
        this.redriver = redriver;
        this.settings = settings;
        this.contentAuditor = contentAuditor;
        this.random = random;
    }

    /** @param sample how many streams, picked uniformly at random during the walk, to compare by content */
    Tally run(int sample, boolean removeExtras, Progress progress) throws Exception {
        Tally tally = new Tally();
        tally.upTo = readModel.probe().checkpoint();
        List<String> picked = new ArrayList<>();
        String after = "";
        while (true) {
            List<StreamVersion> page = store.streamVersions(readModel.eventTypes(), tally.upTo, after,
                    settings.pageSize());
            if (page.isEmpty()) {
                break;
            }
            auditPage(page, tally);
            for (int i = 0; i < page.size(); i++) {
                pick(picked, sample, tally.streamsChecked + i, page.get(i).streamId());
            }
            tally.streamsChecked += page.size();
            after = page.get(page.size() - 1).streamId();
            progress.update(tally);
            if (page.size() < settings.pageSize()) {
                break;
            }
        }
        findExtras(tally, removeExtras, progress);
        if (sample > 0) {
            compareContent(picked, tally, progress);
            for (Difference difference : contentAuditor.aggregates(readModel.name(), true)) {
                tally.add(difference);
            }
            progress.update(tally);
        }
        return tally;
    }

    /** Reservoir sampling: after {@code seen} streams each has had the same chance to be in {@code picked}. */
    private void pick(List<String> picked, int size, long seen, String streamId) {
        if (size == 0) {
            return;
        }
        if (picked.size() < size) {
            picked.add(streamId);
            return;
        }
        long slot = (long) (random.nextDouble() * (seen + 1));
        if (slot < size) {
            picked.set((int) slot, streamId);
        }
    }

    /**
     * Compares the picked streams' documents with the log, a page at a time: the streams that differ are compared
     * again after one pause (a write in flight is not drift), rewritten on their lane all at once, then read back
     * until each matches (or the read-backs run out).
     */
    private void compareContent(List<String> picked, Tally tally, Progress progress) throws Exception {
        for (int from = 0; from < picked.size(); from += settings.pageSize()) {
            Map<String, List<Difference>> differing = new LinkedHashMap<>();
            for (String stream : picked.subList(from, Math.min(picked.size(), from + settings.pageSize()))) {
                if (redriver.parked(readModel.name(), stream)) {
                    continue;
                }
                List<Difference> found = contentAuditor.compare(readModel.name(), stream);
                if (found == null) {
                    continue;
                }
                tally.contentChecked++;
                if (!found.isEmpty()) {
                    differing.put(stream, found);
                }
            }
            if (!differing.isEmpty()) {
                pause(settings.confirmDelay());
                for (String stream : List.copyOf(differing.keySet())) {
                    List<Difference> again = contentAuditor.compare(readModel.name(), stream);
                    if (again == null || again.isEmpty()) {
                        differing.remove(stream);
                    } else {
                        differing.put(stream, again);
                    }
                }
                Map<String, String> failures = rewrite(differing.keySet());
                failures.forEach((stream, failure) -> differing.get(stream).forEach(d ->
                        tally.add(d.withRepair(false, d.detail() + "; " + failure))));
                differing.keySet().removeAll(failures.keySet());
                differing.forEach((stream, found) -> found.forEach(d -> tally.add(d.withRepair(true, d.detail()))));
            }
            progress.update(tally);
        }
    }

    /**
     * Rewrites the streams on the lane at once and reads each back by content; the streams that could not be
     * repaired, with why.
     */
    private Map<String, String> rewrite(java.util.Set<String> streams) throws Exception {
        Map<String, String> failures = new LinkedHashMap<>();
        Map<String, CompletableFuture<Void>> rewrites = new LinkedHashMap<>();
        for (String stream : streams) {
            try {
                rewrites.put(stream, redriver.rewrite(readModel.name(), stream));
            } catch (RuntimeException e) {
                failures.put(stream, "rewrite refused: " + e.getMessage());
            }
        }
        long deadline = System.nanoTime() + settings.repairTimeout().toNanos();
        for (Map.Entry<String, CompletableFuture<Void>> rewrite : rewrites.entrySet()) {
            try {
                rewrite.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                failures.put(rewrite.getKey(), "rewrite failed: " + cause.getMessage());
            } catch (TimeoutException e) {
                failures.put(rewrite.getKey(), "rewrite not done after " + settings.repairTimeout());
            }
        }
        List<String> pending = new ArrayList<>(rewrites.keySet());
        pending.removeAll(failures.keySet());
        for (int i = 0; i < READ_BACKS && !pending.isEmpty(); i++) {
            for (String stream : List.copyOf(pending)) {
                List<Difference> again = contentAuditor.compare(readModel.name(), stream);
                if (again != null && again.isEmpty()) {
                    pending.remove(stream);
                }
            }
            if (!pending.isEmpty()) {
                pause(READ_BACK_PAUSE);
            }
        }
        pending.forEach(stream -> failures.put(stream, "the document still differs after the rewrite"));
        return failures;
    }

    /**
     * An admin asked for extras to go: the stream is rewritten from what the log holds of it (nothing, for a stream
     * the log lacks: its record and own document are removed), then read back.
     */
    private Difference removeExtra(Difference extra) throws Exception {
        String stream = extra.streamId();
        long wanted = extra.logVersion() == null ? 0 : extra.logVersion();
        try {
            redriver.rewrite(readModel.name(), stream).get(settings.repairTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            return extra.withRepair(false, extra.detail() + "; not removed: " + e.getMessage());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return extra.withRepair(false, extra.detail() + "; not removed: " + cause.getMessage());
        } catch (TimeoutException e) {
            return extra.withRepair(false, extra.detail() + "; not removed within " + settings.repairTimeout());
        }
        for (int i = 0; i < READ_BACKS; i++) {
            if (readModel.probe().appliedVersions(List.of(stream)).getOrDefault(stream, 0L) == wanted) {
                return extra.withRepair(true, extra.detail() + "; removed");
            }
            pause(READ_BACK_PAUSE);
        }
        return extra.withRepair(false, extra.detail() + "; the record is still there after the rewrite");
    }

    private void auditPage(List<StreamVersion> page, Tally tally) throws Exception {
        Map<String, Long> logVersions = new LinkedHashMap<>();
        page.forEach(s -> logVersions.put(s.streamId(), s.version()));
        Map<String, Long> behind = behind(logVersions, readModel.probe().appliedVersions(logVersions.keySet()));
        if (behind.isEmpty()) {
            return;
        }
        // A write in flight (or not refreshed yet) is not drift: read the ones behind again after a pause.
        pause(settings.confirmDelay());
        Map<String, Long> confirmed = behind(pick(logVersions, behind.keySet()),
                readModel.probe().appliedVersions(behind.keySet()));
        Map<String, Difference> toRepair = new LinkedHashMap<>();
        for (Map.Entry<String, Long> entry : confirmed.entrySet()) {
            String stream = entry.getKey();
            long stored = entry.getValue();
            long logVersion = logVersions.get(stream);
            if (redriver.parked(readModel.name(), stream)) {
                tally.add(new Difference(DifferenceKind.PARKED, stream, null, logVersion, stored,
                        "held back behind a dead letter on lane " + readModel.name(), false));
            } else {
                toRepair.put(stream, new Difference(stored == 0 ? DifferenceKind.MISSING : DifferenceKind.STALE,
                        stream, null, logVersion, stored, null, false));
            }
        }
        repair(toRepair, logVersions).forEach(tally::add);
    }

    /** The streams whose stored version is below the log's, with the stored version. */
    private static Map<String, Long> behind(Map<String, Long> logVersions, Map<String, Long> stored) {
        Map<String, Long> behind = new LinkedHashMap<>();
        logVersions.forEach((stream, version) -> {
            long applied = stored.getOrDefault(stream, 0L);
            if (applied < version) {
                behind.put(stream, applied);
            }
        });
        return behind;
    }

    private static Map<String, Long> pick(Map<String, Long> versions, java.util.Collection<String> streams) {
        Map<String, Long> picked = new LinkedHashMap<>();
        streams.forEach(s -> picked.put(s, versions.get(s)));
        return picked;
    }

    /**
     * Applies the streams again on the read model's lane, waits for it, then reads each one back: repaired only once
     * the store records the log's version.
     */
    private List<Difference> repair(Map<String, Difference> differences, Map<String, Long> logVersions)
            throws Exception {
        if (differences.isEmpty()) {
            return List.of();
        }
        Map<String, String> failures = new HashMap<>();
        Map<String, CompletableFuture<Void>> redrives = new LinkedHashMap<>();
        for (Map.Entry<String, Difference> entry : differences.entrySet()) {
            try {
                redrives.put(entry.getKey(), applyAgain(entry.getKey(),
                        entry.getValue().kind() == DifferenceKind.STALE));
            } catch (RuntimeException e) {
                failures.put(entry.getKey(), "re-drive refused: " + e.getMessage());
            }
        }
        long deadline = System.nanoTime() + settings.repairTimeout().toNanos();
        for (Map.Entry<String, CompletableFuture<Void>> redrive : redrives.entrySet()) {
            try {
                redrive.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                failures.put(redrive.getKey(), "re-drive failed: " + cause.getMessage());
            } catch (TimeoutException e) {
                failures.put(redrive.getKey(), "re-drive not done after " + settings.repairTimeout());
            }
        }
        Map<String, Long> pending = new LinkedHashMap<>();
        differences.keySet().stream().filter(s -> !failures.containsKey(s))
                .forEach(s -> pending.put(s, logVersions.get(s)));
        for (int i = 0; i < READ_BACKS && !pending.isEmpty(); i++) {
            Map<String, Long> stillBehind = behind(pending, readModel.probe().appliedVersions(pending.keySet()));
            pending.keySet().retainAll(stillBehind.keySet());
            if (!pending.isEmpty()) {
                pause(READ_BACK_PAUSE);
            }
        }
        pending.keySet().forEach(s -> failures.put(s, "the store still holds an older version after the re-drive"));
        List<Difference> result = new ArrayList<>();
        differences.forEach((stream, difference) -> {
            String failure = failures.get(stream);
            result.add(difference.withRepair(failure == null, failure));
        });
        return result;
    }

    /**
     * A stream whose record is missing or behind is rewritten from its first event where the read model can (its own
     * document, counter contributions and members taken out first, so that nothing counts twice whatever the store
     * kept of it), else re-driven (its events above the recorded version applied).
     */
    private CompletableFuture<Void> applyAgain(String stream, boolean stale) {
        return redriver.rewrite(readModel.name(), stream).exceptionallyCompose(failure -> {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (!(cause instanceof UnsupportedOperationException)) {
                return CompletableFuture.failedFuture(cause);
            }
            // A stale record is trusted (events above it are applied); a missing one is not: whatever of the stream
            // the store kept would count twice where the record is the only guard.
            return stale ? redriver.redrive(readModel.name(), stream) : CompletableFuture.failedFuture(
                    new UnsupportedOperationException(cause.getMessage() + "; its record is missing, so re-applying "
                            + "its events could count them twice: rebuild the read model"));
        });
    }

    /** The store's version records the log does not back: a stream the log lacks, or a version it never reached. */
    private void findExtras(Tally tally, boolean remove, Progress progress) throws Exception {
        RecordedStreams page = readModel.probe().recordedStreams(null, settings.pageSize());
        while (page != null) {
            Map<String, Long> recorded = new LinkedHashMap<>(page.versions());
            recorded.values().removeIf(v -> v <= 0);
            if (!recorded.isEmpty()) {
                Map<String, Long> inLog = store.streamVersions(recorded.keySet(), readModel.eventTypes());
                for (Map.Entry<String, Long> entry : recorded.entrySet()) {
                    Long logVersion = inLog.get(entry.getKey());
                    if (logVersion == null || entry.getValue() > logVersion) {
                        Difference extra = new Difference(DifferenceKind.EXTRA, entry.getKey(), null, logVersion,
                                entry.getValue(), logVersion == null ? "the log has no event of this stream for this "
                                + "read model" : "the store recorded a version the log never reached", false);
                        tally.add(remove ? removeExtra(extra) : extra);
                    }
                }
            }
            progress.update(tally); // also a heartbeat: a long walk is not taken for an abandoned audit
            if (page.next() == null) {
                break;
            }
            page = readModel.probe().recordedStreams(page.next(), settings.pageSize());
        }
    }

    private static void pause(Duration duration) throws InterruptedException {
        if (!duration.isZero()) {
            Thread.sleep(duration.toMillis());
        }
    }
}
