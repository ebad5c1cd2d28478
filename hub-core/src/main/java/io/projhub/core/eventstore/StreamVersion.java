package io.projhub.core.eventstore;

/** A stream and one of its versions (the last of some of its events): a row of the drift audit's walk of the log. */
public record StreamVersion(String streamId, long version) {
}
