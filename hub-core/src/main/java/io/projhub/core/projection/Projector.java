package io.projhub.core.projection;

import java.util.Set;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;

/**
 * Turns events into one read model in one store. A projector maps events to store writes and nothing else:
 * its lane owns threading, batching, retries, dead letters and the order of delivery.
 *
 * <p>The read model owns its checkpoint, inside its own store: {@link #apply} writes a batch's effects and the
 * batch's {@link EventBatch#checkpoint()} together (atomically where the store allows, otherwise idempotently,
 * so that applying the same batch twice leaves the store as after once). On restart the lane resumes from
 * {@link #checkpoint()}, i.e. from what the store says it has.
 */
public interface Projector {

    /** A short stable name ({@code elasticsearch}, {@code redis}...): the lane's name in metrics, logs and APIs. */
    String name();

    /** The event types this read model handles; the lane passes no others (it still advances past them). */
    Set<String> eventTypes();

    /** The position this read model has applied everything up to, read from its own store. */
    LogPosition checkpoint() throws Exception;

    /**
     * Writes the effects of {@code batch.events()} (possibly none) and sets the checkpoint to
     * {@code batch.checkpoint()}. Must be idempotent: a batch may be applied again after a crash or a re-drive.
     *
     * @throws Exception any failure; the lane classifies it with {@link #classify} and retries
     */
    void apply(EventBatch batch) throws Exception;

    /**
     * For a lane that writes a batch in parts at once ({@link LaneSettings#partitions()} above 1): the keys of what
     * {@code event} changes ({@link PartKeys}). The lane puts events that share a stream or a written key in one
     * part, in batch order, applies the parts at once ({@link EventBatch#part}), then the checkpoint alone. Null, the
     * default: this projector writes whole batches only. An event whose keys cannot be computed (an expression fails
     * on it) may answer {@link PartKeys#NONE}: it fails wherever it is applied.
     */
    default PartKeys partKeys(RecordedEvent event) {
        return null;
    }

    /**
     * Clears this read model and its checkpoint in its store, so that the lane rebuilds it from the start of the
     * log (an admin action). Only this read model's own data is removed.
     *
     * @throws UnsupportedOperationException if this read model cannot be cleared
     */
    default void reset() throws Exception {
        throw new UnsupportedOperationException("The " + name() + " read model cannot be reset");
    }

    /**
     * Writes a stream again from its first event, whatever the store's version record of it says: the drift audit's
     * repair of a stream whose data was changed behind the hub's back (a field edited, a document or a counter's
     * contribution deleted). The read model removes what it holds of the stream (what only that stream feeds, and
     * the stream's share of what several feed: counter contributions, relationships) with its version record, then
     * applies {@code batch} (every event of the stream up to the checkpoint, a redelivery) as usual. Called by the
     * lane between its batches, so never beside its own writes.
     *
     * @throws UnsupportedOperationException if this read model cannot rewrite a stream
     */
    default void rewrite(String streamId, EventBatch batch) throws Exception {
        throw new UnsupportedOperationException("The " + name() + " read model cannot rewrite a stream");
    }

    /**
     * Records in the store's version record of {@code streamId} that {@code version} is applied, without applying
     * any effect: an admin skipped that dead-lettered event, and the stream must still be able to reach the log's
     * version (probes, read-your-writes). Never lowers the recorded version; idempotent.
     *
     * @throws UnsupportedOperationException if this read model cannot record a skipped version
     */
    default void recordSkipped(String streamId, long version) throws Exception {
        throw new UnsupportedOperationException("The " + name() + " read model cannot record a skipped version");
    }

    /**
     * Overwrites the checkpoint stored with this read model, even backwards: recovery only, with the lane stopped
     * (the log's transaction ids were re-sequenced after a restore into another cluster, see
     * {@code LogResequencing}). The read model's data and its per-stream version records stay as they are.
     *
     * @throws UnsupportedOperationException if this read model cannot overwrite its checkpoint
     */
    default void overwriteCheckpoint(LogPosition checkpoint) throws Exception {
        throw new UnsupportedOperationException("The " + name() + " read model cannot overwrite its checkpoint");
    }

    /**
     * Whether a failure of {@link #apply} is the store's (transient: retried with backoff for as long as it lasts,
     * never dead-lettered) or the event's (permanent: after the configured attempts the batch is split to find
     * the event, which goes to the dead-letter table). The default treats I/O, connection and timeout failures
     * anywhere in the cause chain as transient.
     */
    default FailureKind classify(Throwable failure) {
        return FailureKind.ofCauseChain(failure);
    }
}
