package io.projhub.core.projection;

import java.util.List;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;

/**
 * Events for one {@link Projector#apply} call, in log order (so each stream's events in version order), and the
 * checkpoint the read model has reached once they are applied. {@code checkpoint} may lie past the last event:
 * the lane advances past events of types the projector does not handle.
 *
 * <p>{@code redelivery} is true when events are sent again on purpose (a stream re-driven by the consistency
 * monitor, a dead letter replayed): they may lie at or before the checkpoint, and each one the read model has not
 * applied yet must be applied (a projector that skips everything up to its checkpoint would skip them). The
 * checkpoint of a redelivery is the current one and must not move backwards.
 *
 * <p>A {@linkplain #part part} is some of a batch's events, written at the same time as the batch's other parts by a
 * lane that splits its writes ({@link Projector#partKeys}): its {@code checkpoint} is null, and the projector writes
 * its events and their streams' version records but neither reads nor writes the checkpoint (the lane writes it
 * alone once every part is written).
 */
public record EventBatch(List<RecordedEvent> events, LogPosition checkpoint, boolean redelivery) {

    public EventBatch {
        events = List.copyOf(events);
    }

    public EventBatch(List<RecordedEvent> events, LogPosition checkpoint) {
        this(events, checkpoint, false);
    }

    /** A part of a batch: its events without the checkpoint. */
    public static EventBatch part(List<RecordedEvent> events) {
        return new EventBatch(events, null, false);
    }

    public boolean isPart() {
        return checkpoint == null;
    }

    public boolean isEmpty() {
        return events.isEmpty();
    }
}
