package io.projhub.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.projhub.testsupport.LocalStoreControl;

/**
 * Stops and starts shared local stores for a fault test, and always starts again what it stopped: in
 * {@link #close()}, and from a JVM shutdown hook should the test JVM end early. While any store is down by these tests
 * {@value #MARKER_PATH} exists (other engineers' runs check it); before PostgreSQL or Neo4j is stopped it waits while a
 * benchmark runs ({@link FaultHarness#BENCH_RUNNING}).
 */
final class Outages implements AutoCloseable {

    static final String MARKER_PATH = "/tmp/projhub-outage";
    private static final Path MARKER = Path.of(MARKER_PATH);

    /** Stores down right now, across every instance (one JVM runs one fault class at a time). */
    private static final Set<String> DOWN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Outages::restoreAll, "faults-restore-stores"));
    }

    private final LocalStoreControl control = LocalStoreControl.find();
    private final FaultReport report;

    Outages(FaultReport report) {
        this.report = report;
    }

    /** Stops a store (deploy/stores.sh down) and checks it is really down; returns how long stopping took (ns). */
    long stop(String store) throws InterruptedException {
        if (store.equals("postgres") || store.equals("neo4j")) {
            long waited = FaultHarness.awaitBenchIdle();
            if (waited > 0) {
                report.figure("waited for a benchmark run before stopping " + store, FaultReport.seconds(waited));
            }
        }
        DOWN.add(store);
        writeMarker();
        long begin = System.nanoTime();
        control.stop(store);
        return System.nanoTime() - begin;
    }

    /** Starts a store again (deploy/stores.sh up, which waits until it is ready); returns how long that took (ns). */
    long start(String store) {
        long begin = System.nanoTime();
        control.start(store);
        DOWN.remove(store);
        if (DOWN.isEmpty()) {
            FaultHarness.deleteQuietly(MARKER);
        } else {
            writeMarker();
        }
        return System.nanoTime() - begin;
    }

    @Override
    public void close() {
        restoreAll();
    }

    private static synchronized void restoreAll() {
        List<String> failed = new ArrayList<>();
        for (String store : List.copyOf(DOWN)) {
            try {
                LocalStoreControl.find().start(store);
                DOWN.remove(store);
            } catch (RuntimeException e) {
                failed.add(store + ": " + e.getMessage());
            }
        }
        if (DOWN.isEmpty()) {
            FaultHarness.deleteQuietly(MARKER);
        }
        if (!failed.isEmpty()) {
            throw new IllegalStateException("could not start again: " + failed);
        }
    }

    private static void writeMarker() {
        try {
            Files.writeString(MARKER, "fault runs (bench module, pid " + ProcessHandle.current().pid() + ") stopped "
                    + DOWN + " at " + Instant.now() + "\n");
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + MARKER + ": " + e.getMessage(), e);
        }
    }
}
