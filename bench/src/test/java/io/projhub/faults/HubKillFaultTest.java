package io.projhub.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * A 50,000-event stream goes straight into the event store at a steady pace while a real hub process projects it; the
 * hub is killed with SIGKILL three times (once about 20 %, 40 % and 60 % of the stream is projected by its slowest
 * lane) and started again over the same stores. At the end every read model holds exactly what the log holds.
 */
@ExtendWith(FaultReport.Writer.class)
class HubKillFaultTest {

    private static final int EVENTS = 50_000;
    private static final double PACE = 250; // events per second, in all: the stream outlasts the three restarts
    private static final int WRITER_THREADS = 4;
    /** Points of the stream (projected by the slowest lane) to kill at; a restart here takes 10–60 s on 2 busy cores. */
    private static final double[] KILL_AT = {0.20, 0.40, 0.60};
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private static FaultHarness harness;
    private static HubProcess hub;
    private static PacedWriter writer;
    private final FaultReport report = FaultReport.of(HubKillFaultTest.class)
            .title("kill -9 of the hub three times during a 50,000-event stream");

    @BeforeAll
    static void wipe() throws Exception {
        harness = FaultHarness.open(HubKillFaultTest.class);
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
    void everyReadModelIsExactAfterThreeKillsDuringTheStream() throws Exception {
        String prefix = FaultHarness.prefix("kill");
        List<Append> appends = new OrderWorkload(prefix, 8).generate(EVENTS);
        Totals totals = OrderWorkload.totals(appends);
        report.figure("events in the stream", totals.events())
                .figure("orders / shipped / cancelled in the stream", totals.orders() + " / " + totals.shipped() + " / "
                        + totals.cancelled())
                .figure("writer pace (target)", (long) PACE + " events/s from " + WRITER_THREADS
                        + " threads (a stream always on the same one), one event per append");

        hub = FaultHarness.build(harness.hub());
        long begin = System.nanoTime();
        hub.start(START_TIMEOUT);
        report.figure("first hub start (to /actuator/health answering)", FaultReport.seconds(System.nanoTime() - begin));
        HubApi api = hub.api();

        writer = new PacedWriter(harness.stores().eventStore(), appends, PACE, WRITER_THREADS).start();
        long streamStart = System.nanoTime();

        List<List<Object>> kills = new ArrayList<>();
        boolean writingAtEveryKill = true;
        for (double fraction : KILL_AT) {
            long target = (long) (fraction * totals.events());
            long waited = FaultHarness.awaitTrue("slowest lane at " + target, Duration.ofMinutes(5),
                    () -> FaultHarness.minCheckpoint(api) >= target);
            Map<String, Long> atKill = FaultHarness.checkpoints(api);
            long appendedAtKill = writer.appended.get();
            writingAtEveryKill &= writer.isRunning();
            long killBegin = System.nanoTime();
            hub.kill();
            long killNanos = System.nanoTime() - killBegin;
            long killedAt = System.nanoTime() - streamStart;
            long minAtKill = atKill.values().stream().mapToLong(Long::longValue).min().orElse(-1);
            long maxAtKill = atKill.values().stream().mapToLong(Long::longValue).max().orElse(-1);

            long startBegin = System.nanoTime();
            hub.start(START_TIMEOUT);
            long restartNanos = System.nanoTime() - startBegin;
            // Resumed: every lane is past where the slowest one was at the kill and past what was appended meanwhile.
            long positionAtRestart = writer.lastPosition.get();
            long resumeNanos = FaultHarness.awaitTrue("lanes resuming after restart " + hub.starts(), Duration.ofMinutes(5),
                    () -> FaultHarness.minCheckpoint(api) > minAtKill
                            || FaultHarness.minCheckpoint(api) >= writer.lastPosition.get() && !writer.isRunning());
            long caughtUpNanos = resumeNanos + FaultHarness.awaitCaughtUp(api, positionAtRestart, Duration.ofMinutes(5));
            kills.add(List.of(hub.starts() - 1, Math.round(fraction * 100) + " %", FaultReport.seconds(killedAt),
                    FaultReport.seconds(waited), appendedAtKill, minAtKill + " – " + maxAtKill,
                    FaultReport.millis(killNanos), FaultReport.seconds(restartNanos), FaultReport.seconds(resumeNanos),
                    FaultReport.seconds(caughtUpNanos)));
        }

        writer.join(10, TimeUnit.MINUTES);
        long writerNanos = writer.durationNanos();
        report.figure("writer: events appended", writer.appended.get())
                .figure("writer: duration", FaultReport.seconds(writerNanos))
                .figure("writer: achieved pace", FaultReport.rate(writer.appended.get(), writerNanos))
                .figure("writer: failed append attempts (the writer never stops; the hub is separate)",
                        writer.failedAttempts.get());

        LogPosition head = harness.logHead();
        long finalCatchUp = FaultHarness.awaitCaughtUp(api, head, Duration.ofMinutes(5));
        long total = System.nanoTime() - streamStart;
        report.figure("log head at the end", head)
                .figure("after the writer finished: until every lane had the head", FaultReport.seconds(finalCatchUp))
                .figure("stream start to every lane at the head", FaultReport.seconds(total))
                .figure("end-to-end projection rate over the run (incl. 3 restarts)",
                        FaultReport.rate(totals.events(), total));
        report.text("Kills (SIGKILL of the hub process, then the same jar started again over the same stores):")
                .table(List.of("kill", "at (slowest lane)", "time into stream", "waited for it", "events appended then",
                        "lane checkpoints (min – max)", "kill -9 took", "restart to health", "restart to lanes moving",
                        "restart to lanes at what was appended by then"), kills);

        HubApi.Response deadLetters = api.get("/api/dead-letters?limit=1000");
        int deadLetterCount = deadLetters.json().size();
        long streamGaps = 0;
        long retries = 0;
        for (var lane : api.lanes().values()) {
            streamGaps += lane.path("streamGaps").asLong();
            retries += lane.path("retries").asLong();
        }
        report.figure("the writer was still writing at every kill", writingAtEveryKill)
                .figure("dead letters", deadLetterCount)
                .figure("lane retries after the last start", retries)
                .figure("stream gaps seen by the lanes after the last start", streamGaps);

        ReadModelCounts counts = ReadModelCounts.measure(harness, prefix);
        report.text("Counts at the end (orders created / shipped / cancelled), from each store:")
                .table(ReadModelCounts.HEADER, counts.rows());
        report.figure("read models that differ from the log", counts.mismatches().isEmpty() ? "none" : counts.mismatches());

        assertThat(harness.logEventCount()).as("events in the log").isEqualTo(totals.events());
        assertThat(counts.of("log")).isEqualTo(new ReadModelCounts.Counts(totals.orders(), totals.shipped(),
                totals.cancelled()));
        assertThat(counts.mismatches()).as("read models that differ from the log").isEmpty();
        assertThat(deadLetterCount).as("dead letters").isZero();
    }
}
