package io.projhub.core.projection.internal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.ForwardingEventStore;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;

/**
 * The lanes' reads of the log, shared: lanes that are behind read the same batches (they start from the same
 * checkpoint after a rebuild or a start from empty, and a lane's batches start where its last one ended), so a read
 * made for one lane serves the others that ask for the same {@code (after, limit)} while it is among the last full
 * reads holding at most {@code capacity} events together (the newest is kept whatever its size): the log is read and
 * decoded once instead of once per lane. A lane that asks while the read is running waits for it. Only full reads
 * are kept: a full read is final (everything in it was below the gap-safe frontier when it was made, and nothing can
 * be added before its last event), while a short one ends at the head, which moves. One instance per subscriber run:
 * a log re-sequenced after a restore starts a new run.
 */
final class SharedLogReads extends ForwardingEventStore {

    private record Read(LogPosition after, int limit) {
    }

    /** A read in flight or kept; {@code events} is counted once it is kept (guarded by the map). */
    private static final class Shared {
        final CompletableFuture<List<RecordedEvent>> events = new CompletableFuture<>();
        int counted = -1;
    }

    private final int capacity;
    /** Reads, least recently used first; guarded by itself, as {@link #held}. */
    private final LinkedHashMap<Read, Shared> reads = new LinkedHashMap<>(32, 0.75f, true);
    /** Events the kept reads hold. */
    private int held;

    SharedLogReads(EventStore delegate, int capacity) {
        super(delegate);
        this.capacity = capacity;
    }

    @Override
    public List<RecordedEvent> readAll(LogPosition after, int limit) {
        Read read = new Read(after, limit);
        Shared mine = null;
        Shared found;
        synchronized (reads) {
            found = reads.get(read);
            if (found == null) {
                mine = new Shared();
                reads.put(read, mine);
            }
        }
        if (found != null) {
            try {
                return found.events.join();
            } catch (CompletionException e) {
                return delegate().readAll(after, limit); // the other lane's read failed: this one reads on its own
            }
        }
        List<RecordedEvent> events;
        try {
            events = delegate().readAll(after, limit);
        } catch (RuntimeException | Error e) {
            forget(read, mine);
            mine.events.completeExceptionally(e);
            throw e;
        }
        if (events.size() < limit) {
            forget(read, mine);
        } else {
            keep(read, mine, events.size());
        }
        mine.events.complete(events);
        return events;
    }

    /** Counts a full read in, then drops the least recently used kept ones beyond the capacity (never the newest). */
    private void keep(Read read, Shared shared, int events) {
        synchronized (reads) {
            if (reads.get(read) != shared) {
                return;
            }
            shared.counted = events;
            held += events;
            Iterator<Shared> eldest = reads.values().iterator();
            while (held > capacity && eldest.hasNext()) {
                Shared next = eldest.next();
                if (next == shared || next.counted < 0) {
                    continue; // reads in flight are not counted yet
                }
                held -= next.counted;
                eldest.remove();
            }
        }
    }

    private void forget(Read read, Shared shared) {
        synchronized (reads) {
            reads.remove(read, shared);
        }
    }
}
