package io.projhub.definitions.audit;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.definitions.ChangeFailure;
import io.projhub.definitions.ReadModelProgram;

/**
 * What a store writer needs before it rewrites a stream ({@link io.projhub.core.projection.Projector#rewrite}): the
 * stream folded from nothing, and the assurance that every document it changes is its own (keyed by the stream id,
 * the definitions' default key). A document under another key may be fed by other streams too, and taking the
 * stream's share out of it cannot be told from the store: such a stream is refused, and the read model is rebuilt
 * instead (the admin rebuild builds beside the live one).
 */
public final class Rewrites {

    private Rewrites() {
    }

    /**
     * @throws UnsupportedOperationException if the stream changes documents under other keys than its own id
     * @throws ChangeFailure                 if an expression fails on one of the events
     */
    public static StreamFold foldOwn(ReadModelProgram program, String streamId, List<RecordedEvent> events)
            throws ChangeFailure {
        StreamFold fold = StreamFold.of(program, events);
        Set<String> foreign = new LinkedHashSet<>(fold.documents().keySet());
        foreign.addAll(fold.deleted());
        foreign.remove(streamId);
        if (!foreign.isEmpty()) {
            throw new UnsupportedOperationException("stream " + streamId + " changes documents under other keys ("
                    + String.join(", ", foreign.stream().limit(5).toList()) + "), which other streams may feed too: "
                    + "rebuild read model " + program.definition().name() + " instead");
        }
        return fold;
    }
}
