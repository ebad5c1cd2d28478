package io.projhub.projectors.elasticsearch;

import io.projhub.core.eventstore.LogPosition;

/** The checkpoint of one projector, stored as a document whose id is the projector's name. */
record CheckpointDocument(long txId, long position) {

    static CheckpointDocument of(LogPosition position) {
        return new CheckpointDocument(position.txId(), position.position());
    }

    LogPosition toLogPosition() {
        return new LogPosition(txId, position);
    }
}
