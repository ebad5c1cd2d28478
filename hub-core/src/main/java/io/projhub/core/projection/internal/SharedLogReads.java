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
 * made for one lane serves the others that ask for the same {@code (after, limit)} while it is among the last
 * {@code capacity} full reads: the log is read and decoded once instead of once per lane. A lane that asks while the
 * read is running waits for it. Only full reads are kept: a full read is final (everything in it was below the
 * gap-safe frontier when it was made, and nothing can be added before its last event), while a short one ends at the
 * head, which moves. One instance per subscriber run: a log re-sequenced after a restore starts a new run.
 */
final class SharedLogReads extends ForwardingEventStore {

    private record Read(LogPosition after, int limit) {
    }

    private final int capacity;
    /** Reads, least recently used first; guarded by itself. */
    private final LinkedHashMap<Read, CompletableFuture<List<RecordedEvent>>> reads =
            new LinkedHashMap<>(32, 0.75f, true);

    SharedLogReads(EventStore delegate, int capacity) {
        super(delegate);
        this.capacity = capacity;
    }

    @Override
    public List<RecordedEvent> readAll(LogPosition after, int limit) {
        Read read = new Read(after, limit);
        CompletableFuture<List<RecordedEvent>> mine = null;
        CompletableFuture<List<RecordedEvent>> found;
        synchronized (reads) {
            found = reads.get(read);
            if (found == null) {
                mine = new CompletableFuture<>();
                reads.put(read, mine);
                if (reads.size() > capacity) {
                    Iterator<CompletableFuture<List<RecordedEvent>>> eldest = reads.values().iterator();
                    eldest.next();
                    eldest.remove();
                }
            }
        }
        if (found != null) {
            try {
                return found.join();
            } catch (CompletionException e) {
                return delegate().readAll(after, limit); // the other lane's read failed: this one reads on its own
            }
        }
        try {
            List<RecordedEvent> events = delegate().readAll(after, limit);
            mine.complete(events);
            if (events.size() < limit) {
                forget(read, mine);
            }
            return events;
        } catch (RuntimeException | Error e) {
            forget(read, mine);
            mine.completeExceptionally(e);
            throw e;
        }
    }

    private void forget(Read read, CompletableFuture<List<RecordedEvent>> future) {
        synchronized (reads) {
            reads.remove(read, future);
        }
    }
}
