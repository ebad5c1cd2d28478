package io.projhub.core.eventstore;

/**
 * What an append (or a command) wrote: the stream, its version after the append, and the log position of the last
 * event written, the consistency token a caller may pass to a query to read its own write.
 */
public record AppendResult(String streamId, long newVersion, LogPosition position) {
}
