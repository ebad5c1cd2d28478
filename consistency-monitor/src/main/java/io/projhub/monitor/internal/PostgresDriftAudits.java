package io.projhub.monitor.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.projhub.core.eventstore.EventStore;
import io.projhub.monitor.AlertStoreException;
import io.projhub.monitor.ConsistencyMonitor;
import io.projhub.monitor.MonitoredReadModel;
import io.projhub.monitor.Redriver;
import io.projhub.monitor.audit.AuditReport;
import io.projhub.monitor.audit.AuditRequest;
import io.projhub.monitor.audit.AuditSettings;
import io.projhub.monitor.audit.AuditState;
import io.projhub.monitor.audit.ContentAuditor;
import io.projhub.monitor.audit.Difference;
import io.projhub.monitor.audit.DifferenceKind;
import io.projhub.monitor.audit.DriftAudits;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The drift audits, recorded in PostgreSQL ({@code drift_audits}, migration V37): admin requests run on one thread,
 * the periodic audits of every read model on another, one read model after the other. At most one audit per read model
 * runs at a time across hubs (a unique index on the running ones); an audit whose hub stopped is marked failed once it
 * has shown no progress for {@value #ABANDONED_MINUTES} minutes.
 *
 * <p>After each audit: metrics {@code projhub_audit_*}; the DRIFT alert raised when it found differences (critical if
 * some could not be repaired), resolved when it found none.
 */
public final class PostgresDriftAudits implements DriftAudits {

    private static final Logger log = LoggerFactory.getLogger(PostgresDriftAudits.class);
    static final int ABANDONED_MINUTES = 5;
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String COLUMNS = """
            id, read_model, state, trigger, requested_by, sample, started_at, ended_at, up_to, streams_checked,
            content_checked, counts, differences, repaired, unrepaired, error""";

    private final DataSource dataSource;
    private final EventStore store;
    private final Redriver redriver;
    private final ConsistencyMonitor alerts;
    private final ContentAuditor contentAuditor;
    private final AuditSettings settings;
    private final MeterRegistry registry;
    private final JsonMapper json = MonitorJson.mapper();
    private final Map<String, MonitoredReadModel> readModels = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();
    /** Audits asked for run at once (up to this many together), so that none waits as RUNNING without progress. */
    private final ExecutorService requested = Executors.newFixedThreadPool(4, daemon("drift-audit"));
    /** The audits this hub is running, marked failed if it closes before they end. */
    private final java.util.Set<Long> active = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scheduled =
            Executors.newSingleThreadScheduledExecutor(daemon("drift-audit-schedule"));
    private final AtomicBoolean started = new AtomicBoolean();

    public PostgresDriftAudits(DataSource dataSource, EventStore store, List<MonitoredReadModel> readModels,
                               Redriver redriver, ContentAuditor contentAuditor, ConsistencyMonitor alerts,
                               AuditSettings settings, MeterRegistry registry) {
        this.dataSource = dataSource;
        this.store = store;
        this.redriver = redriver;
        this.contentAuditor = contentAuditor;
        this.alerts = alerts;
        this.settings = settings;
        this.registry = registry;
        replaceReadModels(readModels);
    }

    @Override
    public void start() {
        if (!started.compareAndSet(false, true) || settings.interval().isZero()) {
            return;
        }
        long every = settings.interval().toMillis();
        scheduled.scheduleWithFixedDelay(this::auditAll, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public void replaceReadModels(List<MonitoredReadModel> replacement) {
        Map<String, MonitoredReadModel> byName = new LinkedHashMap<>();
        for (MonitoredReadModel readModel : replacement) {
            if (byName.put(readModel.name(), readModel) != null) {
                throw new IllegalArgumentException("two read models are named " + readModel.name());
            }
        }
        readModels.keySet().retainAll(byName.keySet());
        readModels.putAll(byName);
    }

    @Override
    public AuditReport request(String readModel, AuditRequest request) {
        MonitoredReadModel target = readModels.get(readModel);
        if (target == null) {
            throw new IllegalArgumentException("no read model named " + readModel);
        }
        return request(target, request);
    }

    @Override
    public AuditReport request(MonitoredReadModel build, AuditRequest request) {
        long id = insert(build.name(), request);
        requested.execute(() -> run(id, build, request));
        return audit(id).orElseThrow();
    }

    /** The periodic pass: each read model in turn, on the schedule's thread; one already running is passed over. */
    private void auditAll() {
        for (MonitoredReadModel readModel : List.copyOf(readModels.values())) {
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            try {
                AuditRequest request = AuditRequest.scheduled(settings.contentSample());
                run(insert(readModel.name(), request), readModel, request);
            } catch (AuditRunningException e) {
                log.info("audit event=skipped read_model={} running={}", readModel.name(), e.runningId());
            } catch (RuntimeException e) {
                log.warn("audit event=not-started read_model={} error=\"{}\"", readModel.name(), e.getMessage());
            }
        }
    }

    private void run(long id, MonitoredReadModel readModel, AuditRequest request) {
        active.add(id);
        try {
            runAudit(id, readModel, request);
        } finally {
            active.remove(id);
        }
    }

    private void runAudit(long id, MonitoredReadModel readModel, AuditRequest request) {
        Timer.Sample timing = Timer.start(registry);
        log.info("audit event=started id={} read_model={}", id, readModel.name());
        VersionAudit.Tally tally;
        try {
            tally = new VersionAudit(store, readModel, redriver, settings, contentAuditor, new java.util.Random())
                    .run(request.sample(), request.removeExtras(), t -> progress(id, t));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            String error = e.getClass().getSimpleName() + ": " + e.getMessage();
            finishFailed(id, error);
            counter(readModel.name(), "failed").increment();
            log.warn("audit event=failed id={} read_model={} error=\"{}\"", id, readModel.name(), error);
            return;
        }
        AuditReport report = finish(id, tally);
        long nanos = timing.stop(Timer.builder("projhub_audit_duration").description("How long a drift audit took")
                .tag("read_model", readModel.name()).register(registry));
        record(report);
        log.info("audit event=done id={} read_model={} streams={} drift={} repaired={} unrepaired={} counts={} ms={}",
                id, readModel.name(), report.streamsChecked(), report.drift(), report.repaired(), report.unrepaired(),
                countsJson(report.counts()), TimeUnit.NANOSECONDS.toMillis(nanos));
        alert(report);
    }

    private void record(AuditReport report) {
        String name = report.readModel();
        for (DifferenceKind kind : DifferenceKind.values()) {
            gauge("projhub_audit_differences", "Differences the last drift audit found, by kind", name, kind.id())
                    .set(report.counts().getOrDefault(kind, 0L));
        }
        gauge("projhub_audit_streams_checked", "Streams the last drift audit compared", name, null)
                .set(report.streamsChecked());
        gauge("projhub_audit_unrepaired", "Differences the last drift audit could not repair", name, null)
                .set(report.unrepaired());
        Counter.builder("projhub_audit_repaired").description("Differences drift audits repaired")
                .tag("read_model", name).register(registry).increment(report.repaired());
        counter(name, report.clean() ? "clean" : "drift").increment();
    }

    private Counter counter(String readModel, String outcome) {
        return Counter.builder("projhub_audits").description("Drift audits run, by outcome")
                .tag("read_model", readModel).tag("outcome", outcome).register(registry);
    }

    private AtomicLong gauge(String name, String description, String readModel, String kind) {
        return gauges.computeIfAbsent(name + '|' + readModel + '|' + kind, k -> {
            AtomicLong value = new AtomicLong();
            Gauge.Builder<AtomicLong> builder = Gauge.builder(name, value, AtomicLong::doubleValue)
                    .description(description).tag("read_model", readModel);
            if (kind != null) {
                builder.tag("kind", kind);
            }
            builder.register(registry);
            return value;
        });
    }

    private void alert(AuditReport report) {
        try {
            if (report.drift() == 0) {
                alerts.resolveDrift(report.readModel(), "audit " + report.id() + " found the read model exact");
                return;
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("auditId", report.id());
            details.put("counts", countsMap(report.counts()));
            details.put("repaired", report.repaired());
            details.put("unrepaired", report.unrepaired());
            String summary = String.format(Locale.ROOT,
                    "Audit %d of read model %s found %d differences from the log (%s): %d repaired, %d not",
                    report.id(), report.readModel(), report.drift(), countsJson(report.counts()), report.repaired(),
                    report.unrepaired());
            alerts.raiseDrift(report.readModel(), report.unrepaired() > 0, summary, details);
        } catch (AlertStoreException e) {
            log.warn("audit event=alert-failed id={} error=\"{}\"", report.id(), e.getMessage());
        }
    }

    // ---- the table ---------------------------------------------------------------------------------------------

    private long insert(String readModel, AuditRequest request) {
        try (Connection c = dataSource.getConnection()) {
            abandonStale(c);
            try (PreparedStatement ps = c.prepareStatement("insert into drift_audits (read_model, state, trigger, "
                    + "requested_by, sample, remove_extras) values (?, 'RUNNING', ?, ?, ?, ?) returning id")) {
                ps.setString(1, readModel);
                ps.setString(2, request.trigger());
                ps.setString(3, request.by());
                ps.setInt(4, request.sample());
                ps.setBoolean(5, request.removeExtras());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "select id from drift_audits where read_model = ? and state = 'RUNNING'")) {
                ps.setString(1, readModel);
                try (ResultSet rs = ps.executeQuery()) {
                    throw new AuditRunningException(readModel, rs.next() ? rs.getLong(1) : -1);
                }
            }
        } catch (SQLException e) {
            throw new AlertStoreException("Starting an audit of " + readModel + " failed: " + e.getMessage(), e);
        }
    }

    private static void abandonStale(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update drift_audits set state = 'FAILED', ended_at = now(), "
                + "error = 'abandoned: no progress for " + ABANDONED_MINUTES + " minutes (its hub stopped)' "
                + "where state = 'RUNNING' and updated_at < now() - interval '" + ABANDONED_MINUTES + " minutes'")) {
            ps.executeUpdate();
        }
    }

    private void progress(long id, VersionAudit.Tally tally) throws SQLException {
        update(id, "RUNNING", tally, null, false);
    }

    private AuditReport finish(long id, VersionAudit.Tally tally) {
        try {
            update(id, "DONE", tally, null, true);
        } catch (SQLException e) {
            throw new AlertStoreException("Recording audit " + id + " failed: " + e.getMessage(), e);
        }
        return audit(id).orElseThrow();
    }

    private void finishFailed(long id, String error) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update drift_audits set state = 'FAILED', ended_at = now(), updated_at = now(), error = ? "
                        + "where id = ? and state = 'RUNNING'")) {
            ps.setString(1, error);
            ps.setLong(2, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            log.warn("audit event=record-failed id={} error=\"{}\"", id, e.getMessage());
        }
    }

    private void update(long id, String state, VersionAudit.Tally tally, String error, boolean ended)
            throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update drift_audits set state = ?, up_to = ?, streams_checked = ?, counts = ?::jsonb, "
                        + "differences = ?::jsonb, repaired = ?, unrepaired = ?, error = ?, content_checked = ?, "
                        + "updated_at = now()"
                        + (ended ? ", ended_at = now()" : "") + " where id = ? and state = 'RUNNING'")) {
            ps.setString(1, state);
            ps.setString(2, tally.upTo == null ? null : tally.upTo.token());
            ps.setLong(3, tally.streamsChecked);
            ps.setString(4, countsJson(tally.counts));
            ps.setString(5, json.writeValueAsString(tally.listed.stream().map(PostgresDriftAudits::toJson).toList()));
            ps.setLong(6, tally.repaired);
            ps.setLong(7, tally.unrepaired);
            ps.setString(8, error);
            ps.setLong(9, tally.contentChecked);
            ps.setLong(10, id);
            ps.executeUpdate();
        }
    }

    @Override
    public Optional<AuditReport> audit(long id) {
        List<AuditReport> found = query("select " + COLUMNS + " from drift_audits where id = ?", ps -> ps.setLong(1, id));
        return found.stream().findFirst();
    }

    @Override
    public List<AuditReport> audits(String readModel, int limit) {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be between 1 and 1000");
        }
        if (readModel == null) {
            return query("select " + COLUMNS + " from drift_audits order by id desc limit ?", ps -> ps.setInt(1, limit));
        }
        return query("select " + COLUMNS + " from drift_audits where read_model = ? order by id desc limit ?", ps -> {
            ps.setString(1, readModel);
            ps.setInt(2, limit);
        });
    }

    @Override
    public List<AuditReport> latest() {
        return query("select distinct on (read_model) " + COLUMNS + " from drift_audits order by read_model, id desc",
                ps -> { });
    }

    @FunctionalInterface
    private interface Parameters {
        void set(PreparedStatement ps) throws SQLException;
    }

    private List<AuditReport> query(String sql, Parameters parameters) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            parameters.set(ps);
            List<AuditReport> reports = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    reports.add(report(rs));
                }
            }
            return reports;
        } catch (SQLException e) {
            throw new AlertStoreException("Reading audits failed: " + e.getMessage(), e);
        }
    }

    private AuditReport report(ResultSet rs) throws SQLException {
        Map<String, Long> counts = json.readValue(rs.getString("counts"), new TypeReference<Map<String, Long>>() { });
        Map<DifferenceKind, Long> byKind = new EnumMap<>(DifferenceKind.class);
        counts.forEach((kind, n) -> byKind.put(DifferenceKind.valueOf(kind.toUpperCase(Locale.ROOT)), n));
        List<Map<String, Object>> listed = json.readValue(rs.getString("differences"),
                new TypeReference<List<Map<String, Object>>>() { });
        List<Difference> differences = listed.stream().map(PostgresDriftAudits::fromJson).toList();
        return new AuditReport(rs.getLong("id"), rs.getString("read_model"),
                AuditState.valueOf(rs.getString("state")), rs.getString("trigger"), rs.getString("requested_by"),
                rs.getInt("sample"), instant(rs.getTimestamp("started_at")), instant(rs.getTimestamp("ended_at")),
                rs.getString("up_to"), rs.getLong("streams_checked"), rs.getLong("content_checked"), byKind, differences, rs.getLong("repaired"), rs.getLong("unrepaired"),
                rs.getString("error"));
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    private String countsJson(Map<DifferenceKind, Long> counts) {
        return json.writeValueAsString(countsMap(counts));
    }

    private static Map<String, Long> countsMap(Map<DifferenceKind, Long> counts) {
        Map<String, Long> byId = new LinkedHashMap<>();
        counts.forEach((kind, n) -> byId.put(kind.id(), n));
        return byId;
    }

    private static Map<String, Object> toJson(Difference d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", d.kind().id());
        m.put("streamId", d.streamId());
        m.put("key", d.key());
        m.put("logVersion", d.logVersion());
        m.put("storeVersion", d.storeVersion());
        m.put("detail", d.detail());
        m.put("repaired", d.repaired());
        return m;
    }

    private static Difference fromJson(Map<String, Object> m) {
        return new Difference(DifferenceKind.valueOf(String.valueOf(m.get("kind")).toUpperCase(Locale.ROOT)),
                (String) m.get("streamId"), (String) m.get("key"),
                m.get("logVersion") == null ? null : ((Number) m.get("logVersion")).longValue(),
                ((Number) m.get("storeVersion")).longValue(), (String) m.get("detail"),
                Boolean.TRUE.equals(m.get("repaired")));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void close() {
        scheduled.shutdownNow();
        requested.shutdownNow();
        for (Long id : List.copyOf(active)) {
            finishFailed(id, "the hub stopped during the audit");
        }
        try {
            scheduled.awaitTermination(5, TimeUnit.SECONDS);
            requested.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
