package io.projhub.faults;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.projhub.bench.OrderWorkload.Append;
import io.projhub.core.error.ConcurrencyConflictException;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ExpectedVersion;

/**
 * Writer threads appending a workload straight to the event store at a steady overall pace; a stream always goes to
 * the same thread, so its events keep their order (one thread is too slow on a busy 2-core machine: each append is
 * a committed transaction). Each append expects its
 * stream's exact version (the writer keeps them), so an append whose outcome is unknown (the connection broke during
 * the commit) can be retried safely: if it had committed, the retry conflicts and the stream's version tells that it
 * is there; else the retry writes it. Nothing is lost and nothing is written twice.
 */
final class PacedWriter {

    private final EventStore store;
    private final List<Append> appends;
    private final double eventsPerSecond;
    private final java.util.Map<String, Long> versions = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<Thread> threads = new java.util.ArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();

    final AtomicLong appended = new AtomicLong();
    final AtomicLong failedAttempts = new AtomicLong();
    final AtomicLong retriedAppends = new AtomicLong();
    final AtomicLong foundCommittedOnRetry = new AtomicLong();
    final AtomicLong lastPosition = new AtomicLong(-1);
    final AtomicLong longestStallNanos = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final AtomicReference<String> firstError = new AtomicReference<>();
    volatile long startedAt;
    volatile long finishedAt;
    private volatile boolean stop;

    PacedWriter(EventStore store, List<Append> appends, double eventsPerSecond, int threadCount) {
        this.store = store;
        this.appends = appends;
        this.eventsPerSecond = eventsPerSecond;
        List<List<Append>> parts = new java.util.ArrayList<>();
        for (int t = 0; t < threadCount; t++) {
            parts.add(new java.util.ArrayList<>());
        }
        for (Append append : appends) {
            parts.get(Math.floorMod(append.streamId().hashCode(), threadCount)).add(append);
        }
        for (int t = 0; t < threadCount; t++) {
            List<Append> part = parts.get(t);
            Thread thread = new Thread(() -> run(part, eventsPerSecond * part.size() / Math.max(1, appends.size())),
                    "paced-writer-" + t);
            thread.setDaemon(true);
            threads.add(thread);
        }
    }

    PacedWriter start() {
        startedAt = System.nanoTime();
        running.set(threads.size());
        threads.forEach(Thread::start);
        return this;
    }

    void stop() {
        stop = true;
    }

    /** Waits for the whole workload; rethrows the writer's failure. */
    void join(long timeout, TimeUnit unit) throws Exception {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Thread thread : threads) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        if (isRunning()) {
            stop = true;
            for (Thread thread : threads) {
                thread.join(30_000);
            }
            throw new AssertionError("the writer did not finish within " + timeout + " " + unit + " (" + appended.get()
                    + " of " + appends.size() + " appended)");
        }
        Throwable t = failure.get();
        if (t instanceof Exception e) {
            throw e;
        } else if (t != null) {
            throw new AssertionError(t);
        }
    }

    boolean isRunning() {
        return running.get() > 0;
    }

    long durationNanos() {
        return (finishedAt == 0 ? System.nanoTime() : finishedAt) - startedAt;
    }

    private void run(List<Append> part, double pace) {
        try {
            long i = 0;
            for (Append append : part) {
                if (stop || failure.get() != null) {
                    return;
                }
                long due = startedAt + (long) (i * 1e9 / pace);
                long now = System.nanoTime();
                if (due > now) {
                    TimeUnit.NANOSECONDS.sleep(due - now);
                }
                appendOnce(append);
                i += append.events().size();
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        } finally {
            if (running.decrementAndGet() == 0) {
                finishedAt = System.nanoTime();
            }
        }
    }

    /** Appends one command's events exactly once, retrying through outages of the event store. */
    private void appendOnce(Append append) throws InterruptedException {
        long expected = versions.getOrDefault(append.streamId(), 0L);
        long firstFailure = 0;
        long backoff = 50;
        boolean retry = false;
        while (true) {
            try {
                if (retry) {
                    // The last attempt's outcome is unknown: the stream's version says whether it committed.
                    long actual = store.streamVersion(append.streamId());
                    if (actual == expected + append.events().size()) {
                        foundCommittedOnRetry.incrementAndGet();
                        record(append, actual, -1);
                        break;
                    }
                    if (actual != expected) {
                        throw new AssertionError(append.streamId() + " is at version " + actual + ", expected "
                                + expected + ": only this writer writes it");
                    }
                }
                AppendResult result = store.append(append.streamId(), append.streamType(), ExpectedVersion.exact(expected),
                        append.events());
                record(append, result.newVersion(), result.position().position());
                break;
            } catch (ConcurrencyConflictException e) {
                throw new AssertionError("only this writer writes " + append.streamId() + ", yet: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                failedAttempts.incrementAndGet();
                firstError.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
                if (firstFailure == 0) {
                    firstFailure = System.nanoTime();
                }
                if (System.nanoTime() - firstFailure > TimeUnit.MINUTES.toNanos(3)) {
                    throw new IllegalStateException("appends failed for 3 minutes: " + e.getMessage(), e);
                }
                retry = true;
                Thread.sleep(backoff);
                backoff = Math.min(1000, backoff * 2);
            }
        }
        if (retry) {
            retriedAppends.incrementAndGet();
            longestStallNanos.accumulateAndGet(System.nanoTime() - firstFailure, Math::max);
        }
    }

    private void record(Append append, long version, long position) {
        versions.put(append.streamId(), version);
        appended.addAndGet(append.events().size());
        if (position > 0) {
            lastPosition.accumulateAndGet(position, Math::max);
        }
    }
}
