package io.projhub.projectors.testing;

import java.util.List;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.eventstore.postgres.LogResequencing;

/** Events and positions as {@link LogResequencing#resequence()} leaves them: every event with the same low tx id. */
public final class Resequenced {

    private Resequenced() {
    }

    public static List<RecordedEvent> events(List<RecordedEvent> events) {
        return events.stream().map(e -> new RecordedEvent(e.position(), LogResequencing.RESEQUENCED_TX_ID,
                e.streamId(), e.streamType(), e.version(), e.type(), e.schemaVersion(), e.data(), e.metadata(),
                e.recordedAt())).toList();
    }

    public static LogPosition position(RecordedEvent event) {
        return new LogPosition(LogResequencing.RESEQUENCED_TX_ID, event.position());
    }
}
