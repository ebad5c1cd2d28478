package io.projhub.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.projhub.bench.HubApi;
import io.projhub.bench.HubProcess;
import io.projhub.bench.OrderWorkload;
import io.projhub.bench.OrderWorkload.Append;
import io.projhub.bench.OrderWorkload.Totals;
import io.projhub.core.eventstore.LogPosition;

/**
 * PostgreSQL (the event store, the relational view, checkpoints, dead letters, alerts) stopped and started again while
 * a writer streams events into it and a real hub projects them: the hub reconnects and resumes by itself, the writer
 * retries its failed appends (exact expected versions make a retry after an unknown outcome safe), and every read
 * model ends exactly equal to the log.
 */
@ExtendWith(FaultReport.Writer.class)
class PostgresRestartFaultTest {

    private static final int EVENTS = 12_000;
    private static final double PACE = 300; // events per second
    private static final Duration DOWN_FOR = Duration.ofSeconds(15);

    private static FaultHarness harness;
    private static HubProcess hub;
    private static PacedWriter writer;
    private final FaultReport report = FaultReport.of(PostgresRestartFaultTest.class)
            .title("PostgreSQL stopped and started again during a stream");

    @BeforeAll
    static void wipe() throws Exception {
        harness = FaultHarness.open(PostgresRestartFaultTest.class);
    }

    @AfterAll
    static void cleanUp() {
        if (writer != null) {
            writer.stop();
        }
        if (hub != null) {
            hub.stop();
        }
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void theHubReconnectsAndResumesAndEveryReadModelIsExact() throws Exception {
        String prefix = FaultHarness.prefix("pg");
        List<Append> appends = new OrderWorkload(prefix, 11).generate(EVENTS);
        Totals totals = OrderWorkload.totals(appends);
        report.figure("events in the stream", totals.events())
                .figure("writer", (long) PACE + " events/s from 4 threads (a stream always on the same one), "
                        + "appends with the stream's exact expected version");

        hub = FaultHarness.build(harness.hub()
                .property("projhub.projection.poll-interval", "200ms")
                .property("projhub.projection.defaults.max-retry-interval", "2s")
                );
        long begin = System.nanoTime();
        hub.start(Duration.ofSeconds(120));
        report.figure("hub start", FaultReport.seconds(System.nanoTime() - begin));
        HubApi api = hub.api();

        writer = new PacedWriter(harness.stores().eventStore(), appends, PACE, 4).start();
        FaultHarness.awaitTrue("a third of the stream projected", Duration.ofMinutes(3),
                () -> FaultHarness.minCheckpoint(api) >= EVENTS / 4);
        long appendedBefore = writer.appended.get();
        long checkpointBefore = FaultHarness.minCheckpoint(api);

        long stopNanos;
        long startNanos;
        long checkpointDown = checkpointBefore;
        List<List<Object>> healthWhileDown = new ArrayList<>();
        try {
            stopNanos = harness.outages().stop("postgres");
            long downAt = System.nanoTime();
            while (System.nanoTime() - downAt < DOWN_FOR.toNanos()) {
                Thread.sleep(1000);
            }
            try {
                checkpointDown = Math.max(checkpointBefore, FaultHarness.minCheckpoint(api));
            } catch (RuntimeException e) {
                // the status endpoint itself failing is reported below
            }
            healthWhileDown.add(List.of("hub process alive", hub.isAlive()));
            healthWhileDown.add(List.of("/actuator/health", status(api, "/actuator/health")));
            healthWhileDown.add(List.of("/api/lanes", status(api, "/api/lanes")));
            healthWhileDown.add(List.of("POST /api/customers (a valid command)", postStatus(api)));
            healthWhileDown.add(List.of("writer's failed attempts so far", writer.failedAttempts.get()));
        } finally {
            startNanos = harness.outages().start("postgres");
        }
        long upAt = System.nanoTime();
        report.figure("events appended before the stop", appendedBefore)
                .figure("slowest lane's checkpoint before the stop / during the outage", checkpointBefore + " / "
                        + checkpointDown)
                .figure("postgres stop took", FaultReport.seconds(stopNanos))
                .figure("postgres down for", FaultReport.seconds(DOWN_FOR.toNanos()) + " (plus its start)")
                .figure("postgres start took (deploy/stores.sh up)", FaultReport.seconds(startNanos));

        long healthy = FaultHarness.awaitTrue("hub health 200 after postgres is back", Duration.ofMinutes(2),
                () -> api.get("/actuator/health").status() == 200);
        long appendedAtUp = writer.appended.get();
        long stalledAt = checkpointDown;
        long moving = FaultHarness.awaitTrue("every lane moving after postgres is back", Duration.ofMinutes(2),
                () -> FaultHarness.minCheckpoint(api) > stalledAt);
        long writerResumed = FaultHarness.awaitTrue("writer appending again", Duration.ofMinutes(2),
                () -> writer.appended.get() > appendedAtUp || !writer.isRunning());
        long commandOk = FaultHarness.awaitTrue("a command through the hub succeeds", Duration.ofMinutes(1),
                () -> postStatus(api).equals("201"));
        report.figure("postgres up → hub health 200", FaultReport.seconds(healthy))
                .figure("postgres up → every lane past where it stood during the outage", FaultReport.seconds(moving))
                .figure("postgres up → writer appending again", FaultReport.seconds(writerResumed))
                .figure("postgres up → a command through the hub answers 201", FaultReport.seconds(commandOk));
        report.text("While PostgreSQL was down:").table(List.of("check", "value"), healthWhileDown);

        writer.join(10, TimeUnit.MINUTES);
        LogPosition head = harness.logHead();
        long caughtUp = FaultHarness.awaitCaughtUp(api, head, Duration.ofMinutes(5));
        report.figure("writer: events appended", writer.appended.get())
                .figure("writer: failed append attempts", writer.failedAttempts.get())
                .figure("writer: appends retried", writer.retriedAppends.get())
                .figure("writer: retries that found their append committed", writer.foundCommittedOnRetry.get())
                .figure("writer: longest stall", FaultReport.seconds(writer.longestStallNanos.get()))
                .figure("writer: first error", String.valueOf(writer.firstError.get()))
                .figure("writer: duration / pace", FaultReport.seconds(writer.durationNanos()) + " / "
                        + FaultReport.rate(writer.appended.get(), writer.durationNanos()))
                .figure("writer done → every lane at the head", FaultReport.seconds(caughtUp))
                .figure("postgres up → every lane at the head", FaultReport.seconds(System.nanoTime() - upAt));

        ReadModelCounts counts = ReadModelCounts.measure(harness, prefix);
        int deadLetters = api.get("/api/dead-letters?limit=1000").json().size();
        report.text("Counts at the end (orders created / shipped / cancelled):").table(ReadModelCounts.HEADER,
                counts.rows());
        report.figure("dead letters", deadLetters)
                .figure("hub process restarted by the test", "never (" + hub.starts() + " start)");

        assertThat(hub.isAlive()).as("the hub survived").isTrue();
        assertThat(hub.starts()).as("the hub was never restarted").isEqualTo(1);
        assertThat(writer.failedAttempts.get()).as("the writer saw the outage").isPositive();
        assertThat(harness.logCountsByType(prefix).values().stream().mapToLong(Long::longValue).sum())
                .as("events of the stream in the log: none lost, none twice").isEqualTo(totals.events());
        assertThat(counts.of("log")).isEqualTo(new ReadModelCounts.Counts(totals.orders(), totals.shipped(),
                totals.cancelled()));
        assertThat(counts.mismatches()).as("read models that differ from the log").isEmpty();
        assertThat(deadLetters).as("dead letters").isZero();
    }

    private static String status(HubApi api, String path) {
        try {
            return Integer.toString(api.get(path).status());
        } catch (RuntimeException e) {
            return "no answer (" + e.getMessage() + ")";
        }
    }

    private static int customers;

    private static String postStatus(HubApi api) {
        try {
            return Integer.toString(api.post("/api/customers", "{\"name\": \"Probe " + (++customers)
                    + "\", \"email\": \"probe@example.com\"}").status());
        } catch (RuntimeException e) {
            return "no answer";
        }
    }
}
