package io.projhub.core.domain;

/** An aggregate's state after the event at {@code version} of its stream. */
public record VersionedState<S>(String streamId, long version, S state) {
}
