package io.projhub.monitor.internal;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** The module's JSON mapper: alert details, outbox payloads (an {@code Alert} snapshot) and notifier bodies. */
public final class MonitorJson {

    /** Lenient on read: an outbox payload written by an older or newer hub still reads. */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private MonitorJson() {
    }

    /** Immutable and thread-safe, so shared. */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }
}
