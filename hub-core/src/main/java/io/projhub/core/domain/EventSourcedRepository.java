package io.projhub.core.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.projhub.core.error.ConcurrencyConflictException;
import io.projhub.core.error.InvalidCommandException;
import io.projhub.core.error.StreamNotFoundException;
import io.projhub.core.eventstore.AppendResult;
import io.projhub.core.eventstore.EventMetadata;
import io.projhub.core.eventstore.EventStore;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.ExpectedVersion;
import io.projhub.core.eventstore.IdempotencyKey;
import io.projhub.core.eventstore.NewEvent;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.eventstore.Snapshot;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Loads aggregates of one kind by replaying their events (from the latest snapshot on), at their current version or
 * at a past version or instant, and runs commands against them with optimistic concurrency.
 *
 * <p>Snapshots are written when loading the current state finds at least {@link CommandSettings#snapshotEvery()}
 * events after the latest one, so a snapshot is always made of events already stored.
 */
public final class EventSourcedRepository<S, E> {

    private static final Logger log = LoggerFactory.getLogger(EventSourcedRepository.class);

    private final EventStore store;
    private final EventTypeRegistry registry;
    private final JsonMapper mapper;
    private final AggregateKind<S, E> kind;
    private final CommandSettings settings;

    public EventSourcedRepository(EventStore store, EventTypeRegistry registry, AggregateKind<S, E> kind,
                                  CommandSettings settings) {
        this.store = Objects.requireNonNull(store, "store");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.mapper = registry.mapper();
        this.kind = Objects.requireNonNull(kind, "kind");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** The aggregate's current state; empty if the stream does not exist or is of another type. */
    public Optional<VersionedState<S>> load(String streamId) {
        Optional<VersionedState<S>> snapshot = settings.snapshotEvery() > 0
                ? store.loadLatestSnapshot(streamId, kind.snapshotType()).flatMap(this::fromSnapshot)
                : Optional.empty();
        long snapshotVersion = snapshot.map(VersionedState::version).orElse(0L);
        Optional<VersionedState<S>> current = replay(streamId, snapshot, store.readStream(streamId, snapshotVersion + 1));
        current.ifPresent(state -> {
            if (settings.snapshotEvery() > 0 && state.version() - snapshotVersion >= settings.snapshotEvery()) {
                saveSnapshot(state);
            }
        });
        return current;
    }

    /**
     * The aggregate as it was right after the event at {@code version}; empty if the stream does not exist, is of
     * another type, or has not reached that version.
     *
     * @throws InvalidCommandException ({@code asOfVersion}) if {@code version} is below 1
     */
    public Optional<VersionedState<S>> loadAtVersion(String streamId, long version) {
        if (version < 1) {
            throw new InvalidCommandException("asOfVersion", "must be at least 1");
        }
        Optional<VersionedState<S>> snapshot = settings.snapshotEvery() > 0
                ? store.loadLatestSnapshot(streamId, kind.snapshotType(), version).flatMap(this::fromSnapshot)
                : Optional.empty();
        long snapshotVersion = snapshot.map(VersionedState::version).orElse(0L);
        return replay(streamId, snapshot, store.readStream(streamId, snapshotVersion + 1, version))
                .filter(state -> state.version() == version);
    }

    /** The aggregate as it was at {@code asOf}; empty if the stream did not exist then (or is of another type). */
    public Optional<VersionedState<S>> loadAt(String streamId, Instant asOf) {
        long version = store.streamVersionAt(streamId, Objects.requireNonNull(asOf, "asOf"));
        return version == 0 ? Optional.empty() : loadAtVersion(streamId, version);
    }

    /**
     * Runs a command on an existing aggregate: loads it, lets {@code decide} turn its state into events, and
     * appends them expecting the loaded version. On a concurrency conflict it loads and decides again, up to
     * {@link CommandSettings#maxConflictRetries()} times, then throws the conflict. With an idempotency key in
     * {@code context}, a command already answered returns its first answer without deciding anything.
     *
     * @param command the command as the client sent it: its JSON is the request fingerprint for the idempotency key
     * @throws StreamNotFoundException if the aggregate does not exist
     */
    public AppendResult execute(String streamId, CommandContext context, Object command,
                                Function<S, List<? extends E>> decide) {
        return run(streamId, context, command, current -> decide.apply(current
                .orElseThrow(() -> new StreamNotFoundException(streamId, "No " + kind.streamType() + " " + streamId))
                .state()));
    }

    /**
     * Runs a command that starts a new aggregate, like {@link #execute}; {@code decide} runs first, so a malformed
     * command is refused as such even if the id is taken.
     *
     * @throws ConcurrencyConflictException if the stream already exists
     */
    public AppendResult create(String streamId, CommandContext context, Object command,
                               Supplier<List<? extends E>> decide) {
        // Nothing to load: a new aggregate's events depend on the command alone, and the append's NO_STREAM check
        // is the existence check (a stream of another type is refused by the append as well). So a create costs
        // one transaction, not a snapshot query and a stream read before it.
        IdempotencyKey key = idempotencyKey(context, command);
        // A retry is answered with its first answer before anything is decided again: the decision may read other
        // state (an order reads its customer) that has changed since.
        Optional<AppendResult> first = firstAnswer(key);
        if (first.isPresent()) {
            return first.get();
        }
        List<? extends E> events;
        try {
            events = decide.get();
        } catch (RuntimeException refused) {
            return firstAnswer(key).orElseThrow(() -> refused); // a concurrent retry may have committed meanwhile
        }
        if (events.isEmpty()) {
            throw new IllegalStateException("A command creating " + streamId + " decided no events");
        }
        return store.append(streamId, kind.streamType(), ExpectedVersion.NO_STREAM,
                newEvents(events, context.toMetadata()), key);
    }

    private IdempotencyKey idempotencyKey(CommandContext context, Object command) {
        return context.idempotencyKey() == null ? null
                : new IdempotencyKey(context.idempotencyKey(), fingerprint(command));
    }

    /** The answer given to the command that first used this key; empty without a key or if none has. */
    private Optional<AppendResult> firstAnswer(IdempotencyKey key) {
        return key == null ? Optional.empty() : store.findAppend(key);
    }

    private List<NewEvent> newEvents(List<? extends E> events, EventMetadata metadata) {
        return events.stream().map(event -> registry.toNewEvent(event, metadata)).toList();
    }

    private AppendResult run(String streamId, CommandContext context, Object command,
                             Function<Optional<VersionedState<S>>, List<? extends E>> decide) {
        IdempotencyKey key = idempotencyKey(context, command);
        Optional<AppendResult> first = firstAnswer(key);
        if (first.isPresent()) {
            return first.get();
        }
        EventMetadata metadata = context.toMetadata();
        ConcurrencyConflictException conflict = null;
        for (int attempt = 0; attempt <= settings.maxConflictRetries(); attempt++) {
            Optional<VersionedState<S>> current = load(streamId);
            long version = current.map(VersionedState::version).orElse(0L);
            List<? extends E> events;
            try {
                events = decide.apply(current);
            } catch (RuntimeException refused) {
                // A concurrent retry of this very command may have committed since the key was looked up; then the
                // state it left (e.g. the money already withdrawn) must not turn its own retry into a refusal.
                return firstAnswer(key).orElseThrow(() -> refused);
            }
            if (events.isEmpty()) {
                throw new IllegalStateException("A command on " + streamId + " decided no events");
            }
            try {
                return store.append(streamId, kind.streamType(), ExpectedVersion.exact(version),
                        newEvents(events, metadata), key);
            } catch (ConcurrencyConflictException e) {
                conflict = e;
                log.debug("Command on {} lost a race at version {} (attempt {})", streamId, version, attempt + 1);
            }
        }
        throw conflict;
    }

    private Optional<VersionedState<S>> replay(String streamId, Optional<VersionedState<S>> from,
                                               List<RecordedEvent> events) {
        if (from.isEmpty() && (events.isEmpty() || !kind.streamType().equals(events.get(0).streamType()))) {
            return Optional.empty();
        }
        S state = from.map(VersionedState::state).orElse(null);
        long version = from.map(VersionedState::version).orElse(0L);
        for (RecordedEvent recorded : events) {
            Optional<E> event = toDomainEvent(recorded);
            if (event.isPresent()) {
                state = kind.evolve().apply(state, event.get());
            }
            version = recorded.version();
        }
        if (state == null) {
            return Optional.empty();
        }
        return Optional.of(new VersionedState<>(streamId, version, state));
    }

    private Optional<E> toDomainEvent(RecordedEvent recorded) {
        // Systems may append their own event types to a stream; the aggregate only reads its own.
        if (registry.byName(recorded.type()).isEmpty()) {
            log.debug("Skipping event type {} unknown to {}", recorded.type(), kind.streamType());
            return Optional.empty();
        }
        Object event = registry.toObject(recorded);
        if (!kind.eventType().isInstance(event)) {
            log.debug("Skipping {} in {} stream {}", recorded.type(), kind.streamType(), recorded.streamId());
            return Optional.empty();
        }
        return Optional.of(kind.eventType().cast(event));
    }

    private Optional<VersionedState<S>> fromSnapshot(Snapshot snapshot) {
        try {
            return Optional.of(new VersionedState<>(snapshot.streamId(), snapshot.version(),
                    mapper.treeToValue(snapshot.state(), kind.stateType())));
        } catch (JacksonException e) {
            log.warn("Ignoring unreadable {} snapshot of {} at version {}: {}", snapshot.type(), snapshot.streamId(),
                    snapshot.version(), e.getOriginalMessage());
            return Optional.empty();
        }
    }

    private void saveSnapshot(VersionedState<S> state) {
        try {
            store.saveSnapshot(state.streamId(), state.version(), kind.snapshotType(), mapper.valueToTree(state.state()));
        } catch (RuntimeException e) {
            // A snapshot only saves time; the next load replays a little more.
            log.warn("Could not save a snapshot of {} at version {}: {}", state.streamId(), state.version(),
                    e.getMessage());
        }
    }

    private String fingerprint(Object command) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(command.getClass().getName().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
            sha.update(mapper.writeValueAsBytes(command));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
