package io.projhub.core.eventstore;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

/** How event data, metadata and snapshots are turned into JSON and back. */
public final class EventJson {

    private EventJson() {
    }

    /**
     * A mapper for event JSON. Decimals are read as {@code BigDecimal} and keep their trailing zeros, so money read
     * back has the scale it was written with; dates are ISO-8601 strings.
     */
    public static JsonMapper newMapper() {
        return JsonMapper.builder()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .build();
    }
}
