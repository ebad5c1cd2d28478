package io.projhub.core.eventstore;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The event types the hub knows: each name has a current schema version and a Java record its data binds to, and
 * an {@link Upcaster} for every older schema version, so an event stored long ago reads as the current version.
 * Events of types not registered here pass through as they are (systems may append their own events).
 *
 * <p>Immutable; built once with {@link #builder()}, which checks that every chain of upcasters is complete.
 */
public final class EventTypeRegistry {

    private static final Pattern NAME = Pattern.compile(EventStore.STREAM_ID_PATTERN);

    private final JsonMapper mapper;
    private final Map<String, EventType> byName;
    private final Map<Class<?>, EventType> byClass;
    private final Map<String, Map<Integer, Upcaster>> upcasters;

    private EventTypeRegistry(Builder builder) {
        this.mapper = builder.mapper;
        this.byName = Map.copyOf(builder.byName);
        Map<Class<?>, EventType> classes = new HashMap<>();
        builder.byName.values().forEach(type -> classes.put(type.javaType(), type));
        this.byClass = Map.copyOf(classes);
        Map<String, Map<Integer, Upcaster>> chains = new HashMap<>();
        builder.upcasters.forEach((type, chain) -> chains.put(type, Map.copyOf(chain)));
        this.upcasters = Map.copyOf(chains);
    }

    public static Builder builder() {
        return new Builder(EventJson.newMapper());
    }

    public static Builder builder(JsonMapper mapper) {
        return new Builder(mapper);
    }

    /** A registry that knows no types: every event reads as stored. */
    public static EventTypeRegistry empty() {
        return builder().build();
    }

    /** The mapper the registry binds event data with. */
    public JsonMapper mapper() {
        return mapper;
    }

    public Optional<EventType> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /**
     * The registered type of an event record.
     *
     * @throws IllegalArgumentException if the class is not registered
     */
    public EventType byClass(Class<?> javaType) {
        EventType type = byClass.get(javaType);
        if (type == null) {
            throw new IllegalArgumentException(javaType.getName() + " is not a registered event type");
        }
        return type;
    }

    /** The schema version new events of this type are written with: the registered one, else 1. */
    public int currentSchemaVersion(String typeName) {
        EventType type = byName.get(typeName);
        return type == null ? 1 : type.schemaVersion();
    }

    /** The stored data of an event at {@code schemaVersion}, brought to the current version; the input is not changed. */
    public JsonNode upcast(String typeName, int schemaVersion, JsonNode data) {
        int current = currentSchemaVersion(typeName);
        if (schemaVersion >= current) {
            return data;
        }
        Map<Integer, Upcaster> chain = upcasters.getOrDefault(typeName, Map.of());
        JsonNode result = data.deepCopy();
        for (int version = schemaVersion; version < current; version++) {
            result = chain.get(version).upcast(result);
        }
        return result;
    }

    /** The event with its data at the current schema version of its type. */
    public RecordedEvent upcast(RecordedEvent stored) {
        int current = currentSchemaVersion(stored.type());
        if (stored.schemaVersion() >= current) {
            return stored;
        }
        return new RecordedEvent(stored.position(), stored.txId(), stored.streamId(), stored.streamType(),
                stored.version(), stored.type(), current, upcast(stored.type(), stored.schemaVersion(), stored.data()),
                stored.metadata(), stored.recordedAt());
    }

    /** A registered event record as an event to append. */
    public NewEvent toNewEvent(Object event, EventMetadata metadata) {
        EventType type = byClass(event.getClass());
        return new NewEvent(type.name(), mapper.valueToTree(event), metadata, true);
    }

    /**
     * The (upcast) event's data bound to its registered record.
     *
     * @throws IllegalArgumentException if its type is not registered or its data does not bind
     */
    public Object toObject(RecordedEvent event) {
        EventType type = byName(event.type()).orElseThrow(
                () -> new IllegalArgumentException("Event type " + event.type() + " is not registered"));
        RecordedEvent current = upcast(event);
        try {
            return mapper.treeToValue(current.data(), type.javaType());
        } catch (JacksonException e) {
            throw new IllegalArgumentException("Event " + event.streamId() + "@" + event.version() + " of type "
                    + event.type() + " does not bind to " + type.javaType().getSimpleName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * Why {@code data} is not acceptable as the current version of {@code typeName}, if it is not; data of
     * unregistered types is always acceptable.
     */
    public Optional<String> bindingProblem(String typeName, JsonNode data) {
        EventType type = byName.get(typeName);
        if (type == null) {
            return Optional.empty();
        }
        try {
            mapper.treeToValue(data, type.javaType());
            return Optional.empty();
        } catch (JacksonException e) {
            return Optional.of("does not match event type " + typeName + ": " + e.getOriginalMessage());
        }
    }

    /** Collects event types and upcasters; {@link #build()} validates them. */
    public static final class Builder {

        private final JsonMapper mapper;
        private final Map<String, EventType> byName = new LinkedHashMap<>();
        private final Map<String, Map<Integer, Upcaster>> upcasters = new HashMap<>();

        private Builder(JsonMapper mapper) {
            this.mapper = Objects.requireNonNull(mapper, "mapper");
        }

        /** Registers an event type whose current data binds to {@code javaType}. */
        public Builder register(String name, int schemaVersion, Class<?> javaType) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("Not an event type name: " + name);
            }
            if (schemaVersion < 1) {
                throw new IllegalArgumentException("Schema versions start at 1: " + name + " v" + schemaVersion);
            }
            if (byName.containsKey(name)) {
                throw new IllegalArgumentException("Event type " + name + " is registered twice");
            }
            if (byName.values().stream().anyMatch(t -> t.javaType().equals(javaType))) {
                throw new IllegalArgumentException(javaType.getName() + " is registered under two names");
            }
            byName.put(name, new EventType(name, schemaVersion, Objects.requireNonNull(javaType, "javaType")));
            return this;
        }

        /** Registers the upcaster from one schema version of a type to the next. */
        public Builder upcaster(Upcaster upcaster) {
            Map<Integer, Upcaster> chain = upcasters.computeIfAbsent(upcaster.eventType(), t -> new HashMap<>());
            if (chain.putIfAbsent(upcaster.fromSchemaVersion(), upcaster) != null) {
                throw new IllegalArgumentException("Two upcasters from " + upcaster.eventType() + " v"
                        + upcaster.fromSchemaVersion());
            }
            return this;
        }

        public Builder upcasters(List<? extends Upcaster> all) {
            all.forEach(this::upcaster);
            return this;
        }

        /**
         * @throws IllegalStateException if an upcaster names an unknown type or a version not below the current
         *                               one, or a registered type lacks an upcaster for an older version
         */
        public EventTypeRegistry build() {
            upcasters.forEach((typeName, chain) -> {
                EventType type = byName.get(typeName);
                if (type == null) {
                    throw new IllegalStateException("Upcaster for unregistered event type " + typeName);
                }
                chain.keySet().forEach(from -> {
                    if (from < 1 || from >= type.schemaVersion()) {
                        throw new IllegalStateException("Upcaster from " + typeName + " v" + from
                                + " but the current version is " + type.schemaVersion());
                    }
                });
            });
            byName.values().forEach(type -> {
                for (int version = 1; version < type.schemaVersion(); version++) {
                    if (!upcasters.getOrDefault(type.name(), Map.of()).containsKey(version)) {
                        throw new IllegalStateException("No upcaster from " + type.name() + " v" + version
                                + " to v" + (version + 1));
                    }
                }
            });
            return new EventTypeRegistry(this);
        }
    }
}
