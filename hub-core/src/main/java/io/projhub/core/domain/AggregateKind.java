package io.projhub.core.domain;

import java.util.Objects;
import java.util.function.BiFunction;

/**
 * What an event-sourced aggregate is to its repository: the type of its streams, the shape of its snapshots, the
 * classes of its state and events, and how one event changes the state. {@code evolve} receives a null state for a
 * stream's first event and must not validate anything: events are facts.
 *
 * @param snapshotType names the state's JSON shape; change it whenever the state record changes, so old snapshots
 *                     are ignored instead of misread
 */
public record AggregateKind<S, E>(String streamType, String snapshotType, Class<S> stateType, Class<E> eventType,
                                  BiFunction<S, E, S> evolve) {

    public AggregateKind {
        Objects.requireNonNull(streamType, "streamType");
        Objects.requireNonNull(snapshotType, "snapshotType");
        Objects.requireNonNull(stateType, "stateType");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(evolve, "evolve");
    }
}
