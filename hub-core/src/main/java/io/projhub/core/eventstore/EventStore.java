package io.projhub.core.eventstore;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.projhub.core.error.ConcurrencyConflictException;
import io.projhub.core.error.IdempotencyKeyReusedException;
import io.projhub.core.error.InvalidCommandException;
import tools.jackson.databind.JsonNode;

/**
 * The append-only log of every stream's events, and the aggregates' snapshots.
 *
 * <p>Stream ids match {@link #STREAM_ID_PATTERN}; versions start at 1. Events read from the store are upcast to the
 * current schema version of their type.
 */
public interface EventStore {

    /** Stream ids, stream types and event type names all match this (ids up to 128 characters). */
    String STREAM_ID_PATTERN = "[A-Za-z0-9._:-]{1,128}";

    /** The most events one append may write. */
    int MAX_EVENTS_PER_APPEND = 1000;

    /**
     * Appends {@code events} to the end of a stream, all or none, in one transaction.
     *
     * @return the stream's new version and the log position of the last event written
     * @throws ConcurrencyConflictException if the stream's version does not match {@code expected}, or another
     *                                      writer appended the same version first; nothing is written
     * @throws InvalidCommandException      if an id, type or event is malformed, or the stream exists with another type
     */
    default AppendResult append(String streamId, String streamType, ExpectedVersion expected, List<NewEvent> events) {
        return append(streamId, streamType, expected, events, null);
    }

    /**
     * Like {@link #append(String, String, ExpectedVersion, List)}, but at most once per idempotency key: the key is
     * stored with the events, and a later (or concurrent) append with the same key writes nothing and returns the
     * first append's result, whatever its stream and expected version.
     *
     * @param key may be null, for no idempotency
     * @throws IdempotencyKeyReusedException if the key was first used with a different request fingerprint
     */
    AppendResult append(String streamId, String streamType, ExpectedVersion expected, List<NewEvent> events,
                        IdempotencyKey key);

    /**
     * The result of the append that first used this key, if any.
     *
     * @throws IdempotencyKeyReusedException if the key was first used with a different request fingerprint
     */
    Optional<AppendResult> findAppend(IdempotencyKey key);

    /** The events of a stream from {@code fromVersion} (inclusive) on, in version order; empty if none. */
    List<RecordedEvent> readStream(String streamId, long fromVersion);

    /** The events of a stream with {@code fromVersion <= version <= toVersion}, in version order. */
    List<RecordedEvent> readStream(String streamId, long fromVersion, long toVersion);

    /** The events of a stream up to and including {@code version}: the stream as it was then. */
    default List<RecordedEvent> readStreamUntilVersion(String streamId, long version) {
        return readStream(streamId, 1, version);
    }

    /** The events of a stream recorded at or before {@code asOf}: the stream as it was then. */
    List<RecordedEvent> readStreamUntil(String streamId, Instant asOf);

    /** The stream's current version; 0 if it has no events. */
    long streamVersion(String streamId);

    /** The stream's version at {@code asOf} (its last event recorded at or before it); 0 if it had none. */
    long streamVersionAt(String streamId, Instant asOf);

    /** The type of an existing stream ({@code order}, {@code account}...). */
    Optional<String> streamType(String streamId);

    /** Saves a snapshot of a stream's state at {@code version}; saving the same one twice keeps the first. */
    void saveSnapshot(String streamId, long version, String snapshotType, JsonNode state);

    /** The newest snapshot of this type for the stream. */
    Optional<Snapshot> loadLatestSnapshot(String streamId, String snapshotType);

    /** The newest snapshot of this type for the stream taken at or before {@code version} (for time travel). */
    Optional<Snapshot> loadLatestSnapshot(String streamId, String snapshotType, long atOrBeforeVersion);

    /**
     * The gap-safe global read: up to {@code limit} committed events after {@code after}, in
     * {@code (txId, position)} order, never past an event that a transaction still in flight could precede.
     * A subscriber that checkpoints the last returned event's {@link RecordedEvent#logPosition()} and reads again
     * from there sees every event exactly once, in an order that keeps each stream's version order.
     */
    List<RecordedEvent> readAll(LogPosition after, int limit);

    /** The largest {@code limit} {@link #readAll} accepts (what the store reads in one query). */
    default int maxReadAllLimit() {
        return Integer.MAX_VALUE;
    }

    /** The newest committed event's position and time; empty if the log is empty. */
    Optional<LogHead> head();

    /** How many committed events lie after {@code after}: a read model's lag in events. */
    long countAfter(LogPosition after);

    /**
     * For the drift audit: the streams after {@code afterStream} (in stream id order, {@code ""} for the first) that
     * have events of {@code eventTypes} at or before {@code upTo}, each with the version of its last such event; at most
     * {@code limit} of them. Reading page after page walks every stream in bounded memory.
     */
    default List<StreamVersion> streamVersions(Set<String> eventTypes, LogPosition upTo, String afterStream,
                                               int limit) {
        throw new UnsupportedOperationException("This event store cannot list stream versions");
    }

    /**
     * For the drift audit: of {@code streamIds}, those that have events of {@code eventTypes}, each with the version of
     * its last such event (any position); streams without one are absent from the answer.
     */
    default Map<String, Long> streamVersions(Collection<String> streamIds, Set<String> eventTypes) {
        throw new UnsupportedOperationException("This event store cannot list stream versions");
    }
}
