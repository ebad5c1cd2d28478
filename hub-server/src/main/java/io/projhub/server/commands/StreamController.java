package io.projhub.server.commands;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.projhub.core.domain.CommandContext;
import io.projhub.core.domain.StreamIds;
import io.projhub.core.domain.account.Account;
import io.projhub.core.domain.customer.Customer;
import io.projhub.core.domain.order.Order;
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
import io.projhub.server.web.InvalidParameterException;
import io.projhub.server.web.StorableJson;
import io.projhub.server.web.StrictRequestBody;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Streams as such: the generic append for systems that bring their own events, and reading a stream's events.
 *
 * <p>The generic append refuses the domain's own stream types ({@code customer}, {@code order}, {@code account})
 * and event types (those of the {@link EventTypeRegistry}): those events are only ever decided by the aggregates,
 * so their rules (an order's customer exists, a balance never goes negative) hold for every event in the log, and
 * the read models, which pick events by type, never see an order the write side does not know.
 */
@RestController
@RequestMapping("/api/streams")
@Tag(name = "Streams", description = "Generic append and stream reads")
public class StreamController {

    /** The stream type of a generic append that names none. */
    public static final String DEFAULT_STREAM_TYPE = "external";
    static final Set<String> RESERVED_STREAM_TYPES = Set.of(Customer.STREAM_TYPE, Order.STREAM_TYPE,
            Account.STREAM_TYPE);
    static final int DEFAULT_READ_LIMIT = 1000;
    static final int MAX_READ_LIMIT = 10_000;

    /**
     * {@code expectedVersion}: the stream's version now; 0 = the stream must not exist; omitted = any version.
     * {@code streamType} defaults to the existing stream's type, or {@value #DEFAULT_STREAM_TYPE} for a new stream.
     */
    public record AppendEventsRequest(Long expectedVersion, String streamType, List<EventToAppend> events)
            implements StrictRequestBody {

        /** {@code data}: a JSON object; {@code metadata}: an optional JSON object of attributes. */
        public record EventToAppend(String type, JsonNode data, JsonNode metadata) {
        }
    }

    public record StreamEvent(String position, long version, String type, int schemaVersion, JsonNode data,
                              JsonNode metadata, Instant recordedAt) {

        static StreamEvent of(RecordedEvent e) {
            return new StreamEvent(e.logPosition().token(), e.version(), e.type(), e.schemaVersion(), e.data(),
                    e.metadata().toJson(), e.recordedAt());
        }
    }

    /** {@code nextFromVersion} is set when more events follow this page. */
    public record StreamPage(String streamId, String streamType, long version, long fromVersion,
                             Long nextFromVersion, List<StreamEvent> events) {
    }

    private final EventStore store;
    private final EventTypeRegistry registry;
    private final JsonMapper mapper;

    public StreamController(EventStore store, EventTypeRegistry registry, JsonMapper mapper) {
        this.store = store;
        this.registry = registry;
        this.mapper = mapper;
    }

    @Operation(summary = "Append events to a stream (generic append)",
            description = "All or nothing; 201 if the append created the stream, else 200; 409 on a version "
                    + "conflict. The domain's own stream and event types are refused: use the command endpoints.")
    @PostMapping(path = "/{streamId}/events", consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<CommandResponse> append(CommandContext context, @PathVariable String streamId,
                                                  @RequestBody AppendEventsRequest body) {
        StreamIds.require("streamId", streamId);
        String streamType = streamType(streamId, body.streamType());
        ExpectedVersion expected = expectedVersion(body.expectedVersion());
        List<NewEvent> events = events(body.events(), context);
        IdempotencyKey key = context.idempotencyKey() == null ? null
                : new IdempotencyKey(context.idempotencyKey(), fingerprint(streamId, body));
        AppendResult result = store.append(streamId, streamType, expected, events, key);
        return result.newVersion() == events.size()
                ? CommandResponse.created(result, "/api/streams/{id}")
                : ResponseEntity.ok(CommandResponse.of(result));
    }

    @Operation(summary = "Read a stream's events",
            description = "From version fromVersion (default 1) on, at most limit (default 1000, at most 10000); "
                    + "each with its position token; 404 if the stream has no events")
    @GetMapping("/{streamId}")
    public StreamPage read(@PathVariable String streamId, @RequestParam(required = false) Long fromVersion,
                           @RequestParam(required = false) Integer limit) {
        StreamIds.require("streamId", streamId);
        long from = fromVersion == null ? 1 : fromVersion;
        if (from < 1) {
            throw new InvalidParameterException("fromVersion", "must be at least 1 (stream versions start at 1)");
        }
        int max = limit == null ? DEFAULT_READ_LIMIT : limit;
        if (max < 1 || max > MAX_READ_LIMIT) {
            throw new InvalidParameterException("limit", "must be within 1.." + MAX_READ_LIMIT);
        }
        long to = from > Long.MAX_VALUE - max ? Long.MAX_VALUE : from + max - 1;
        List<RecordedEvent> events = store.readStream(streamId, from, to);
        String streamType;
        long version;
        if (!events.isEmpty() && events.size() < max) {
            RecordedEvent last = events.get(events.size() - 1);
            streamType = last.streamType();
            version = last.version();
        } else {
            streamType = store.streamType(streamId).orElseThrow(() -> new StreamNotFoundException(streamId));
            version = store.streamVersion(streamId);
        }
        Long next = events.size() == max && events.get(events.size() - 1).version() < version
                ? events.get(events.size() - 1).version() + 1 : null;
        return new StreamPage(streamId, streamType, version, from, next,
                events.stream().map(StreamEvent::of).toList());
    }

    /** The given type, else the existing stream's, else {@value #DEFAULT_STREAM_TYPE}; never a domain type. */
    private String streamType(String streamId, String given) {
        String type = given != null ? given : store.streamType(streamId).orElse(DEFAULT_STREAM_TYPE);
        if (RESERVED_STREAM_TYPES.contains(type)) {
            throw new InvalidCommandException("streamType", "'" + type + "' streams are written only by the "
                    + "command endpoints (/api/customers, /api/orders, /api/accounts)");
        }
        return type;
    }

    private static ExpectedVersion expectedVersion(Long given) {
        if (given == null) {
            return ExpectedVersion.ANY;
        }
        if (given < 0) {
            throw new InvalidCommandException("expectedVersion", "must be 0 (no stream yet) or a stream version");
        }
        return ExpectedVersion.exact(given);
    }

    private List<NewEvent> events(List<AppendEventsRequest.EventToAppend> given, CommandContext context) {
        if (given == null || given.isEmpty()) {
            throw new InvalidCommandException("events", "must contain at least one event");
        }
        if (given.size() > EventStore.MAX_EVENTS_PER_APPEND) {
            throw new InvalidCommandException("events",
                    "must contain at most " + EventStore.MAX_EVENTS_PER_APPEND + " events");
        }
        List<NewEvent> events = new ArrayList<>(given.size());
        for (int i = 0; i < given.size(); i++) {
            String field = "events[" + i + "]";
            AppendEventsRequest.EventToAppend event = given.get(i);
            if (event == null) {
                throw new InvalidCommandException(field, "must be an event object");
            }
            if (event.type() != null && registry.byName(event.type()).isPresent()) {
                throw new InvalidCommandException(field + ".type", "'" + event.type() + "' is one of the hub's own "
                        + "event types, appended only by the command endpoints");
            }
            if (event.data() == null || !event.data().isObject()) {
                throw new InvalidCommandException(field + ".data", "must be a JSON object");
            }
            StorableJson.check(field + ".data", event.data());
            StorableJson.check(field + ".metadata", event.metadata());
            events.add(new NewEvent(event.type(), event.data(), metadata(field, event.metadata(), context)));
        }
        return events;
    }

    /**
     * The event's own correlation and causation ids win over the request's; the idempotency key and the
     * {@code principal} are the request's (a {@code principal} the client sent is replaced: it cannot be forged).
     */
    private static EventMetadata metadata(String field, JsonNode given, CommandContext context) {
        EventMetadata own;
        try {
            own = EventMetadata.fromJson(given);
        } catch (InvalidCommandException e) {
            throw new InvalidCommandException(field + "." + e.field(), e.reason());
        }
        String correlationId = own.correlationId() != null ? own.correlationId() : context.correlationId();
        String causationId = own.causationId() != null ? own.causationId() : context.causationId();
        return new EventMetadata(correlationId, causationId, context.idempotencyKey(), own.attributes())
                .withPrincipal(context.appendedBy());
    }

    private String fingerprint(String streamId, AppendEventsRequest body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(("generic-append\n" + streamId + "\n").getBytes(StandardCharsets.UTF_8));
            sha.update(mapper.writeValueAsBytes(body));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
