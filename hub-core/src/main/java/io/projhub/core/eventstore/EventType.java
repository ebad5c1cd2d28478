package io.projhub.core.eventstore;

/** A registered event type: its stored name, its current schema version and the record its data binds to. */
public record EventType(String name, int schemaVersion, Class<?> javaType) {
}
