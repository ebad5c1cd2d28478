package io.projhub.server.queries;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.ReadModelProbe;

/**
 * Requests waiting for read models to reach log positions: queries carrying a consistency token and strong
 * commands. One probe round per read model serves every request waiting on it: each read model that has waiters is
 * asked for its checkpoint every {@code POLL}, from its own store (one task per read model), and the waiters it
 * covers are completed. So
 * waiting requests hold no database connection (the command path's pool is never borrowed by a wait), and their
 * number is bounded: beyond {@code maxWaiting} a request is answered at once as not reached.
 *
 * <p>"Reached" means visible to the read model's queries: for a read model with a {@link Visibility} step
 * (Elasticsearch: a refresh), the waiters a round finds covered share one refresh before they are completed.
 */
public final class ReadModelWaits implements AutoCloseable {

    /** Makes what a read model has applied visible to its queries (e.g. an Elasticsearch refresh). */
    @FunctionalInterface
    public interface Visibility {
        void makeVisible() throws Exception;
    }

    private static final Logger log = LoggerFactory.getLogger(ReadModelWaits.class);
    static final Duration POLL = Duration.ofMillis(20);

    private record Waiter(LogPosition wanted, CompletableFuture<LogPosition> done) {
    }

    private static final class Waiting {
        final ReadModelProbe probe;
        final Visibility visibility;
        final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
        volatile LogPosition lastSeen;

        Waiting(ReadModelProbe probe, Visibility visibility) {
            this.probe = probe;
            this.visibility = visibility;
        }
    }

    private volatile Map<String, Waiting> readModels;
    private final Map<String, java.util.concurrent.ScheduledFuture<?>> rounds = new java.util.concurrent.ConcurrentHashMap<>();
    private final int maxWaiting;
    private final AtomicInteger waiting = new AtomicInteger();
    private final ScheduledExecutorService poller;

    /**
     * @param probes       each read model's probe, by name
     * @param visibilities the read models that need a step to make applied writes visible, by name
     * @param maxWaiting   how many requests may wait at once (all read models together)
     */
    public ReadModelWaits(Map<String, ReadModelProbe> probes, Map<String, Visibility> visibilities, int maxWaiting) {
        if (maxWaiting < 1) {
            throw new IllegalArgumentException("maxWaiting must be at least 1");
        }
        this.maxWaiting = maxWaiting;
        // One probe task per read model: a slow store (a probe or a refresh that takes seconds) delays only the
        // requests waiting on it.
        AtomicInteger threads = new AtomicInteger();
        this.poller = Executors.newScheduledThreadPool(Math.max(1, probes.size()), r -> {
            Thread t = new Thread(r, "consistency-waits-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.readModels = Map.of();
        replace(probes, visibilities);
    }

    /**
     * Changes the read models waited on (definitions reloaded): a read model whose probe is the same keeps its
     * waiters; the waiters of a removed or replaced one are released (their requests answer as not caught up).
     */
    public synchronized void replace(Map<String, ReadModelProbe> probes, Map<String, Visibility> visibilities) {
        Map<String, Waiting> current = readModels;
        LinkedHashMap<String, Waiting> byName = new LinkedHashMap<>();
        probes.forEach((name, probe) -> {
            Waiting kept = current.get(name);
            byName.put(name, kept != null && kept.probe == probe ? kept : new Waiting(probe, visibilities.get(name)));
        });
        readModels = Map.copyOf(byName);
        current.forEach((name, old) -> {
            if (byName.get(name) != old) {
                java.util.concurrent.ScheduledFuture<?> task = rounds.remove(name);
                if (task != null) {
                    task.cancel(false);
                }
                old.waiters.forEach(w -> w.done().complete(null));
            }
        });
        ((java.util.concurrent.ScheduledThreadPoolExecutor) poller).setCorePoolSize(Math.max(1, byName.size()));
        byName.forEach((name, model) -> rounds.computeIfAbsent(name, n -> poller.scheduleWithFixedDelay(
                () -> round(model), POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS)));
    }

    /**
     * A future completed with the read model's checkpoint once it covers {@code wanted} (and is visible to its
     * queries); completed with null at once when {@code maxWaiting} requests already wait. The caller bounds the
     * wait and calls {@link #cancel} on timeout.
     */
    public CompletableFuture<LogPosition> await(String readModel, LogPosition wanted) {
        Waiting model = readModels.get(readModel);
        if (model == null) {
            throw new IllegalArgumentException("No read model " + readModel);
        }
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<LogPosition> done = new CompletableFuture<>();
        done.whenComplete((p, e) -> waiting.decrementAndGet());
        model.waiters.add(new Waiter(wanted, done));
        return done;
    }

    /** Gives up a wait (its request timed out); the slot is freed at once. */
    public void cancel(CompletableFuture<LogPosition> wait) {
        wait.complete(null);
    }

    /** The checkpoint the last round saw for this read model (null if none yet). */
    public LogPosition lastSeen(String readModel) {
        Waiting model = readModels.get(readModel);
        return model == null ? null : model.lastSeen;
    }

    int waiting() {
        return waiting.get();
    }

    private void round(Waiting model) {
        model.waiters.removeIf(w -> w.done().isDone());
        if (model.waiters.isEmpty()) {
            return;
        }
        try {
            LogPosition seen = model.probe.checkpoint();
            model.lastSeen = seen;
            List<Waiter> reached = new ArrayList<>();
            for (Waiter w : model.waiters) {
                if (seen.covers(w.wanted())) {
                    reached.add(w);
                }
            }
            if (reached.isEmpty()) {
                return;
            }
            if (model.visibility != null) {
                model.visibility.makeVisible(); // one refresh for every waiter this round found covered
            }
            for (Waiter w : reached) {
                w.done().complete(seen);
                model.waiters.remove(w);
            }
        } catch (Exception e) {
            log.debug("read_model={} event=wait-probe-failed error=\"{}\"", model.probe.name(), e.toString());
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
        readModels.values().forEach(m -> m.waiters.forEach(w -> w.done().complete(null)));
    }
}
