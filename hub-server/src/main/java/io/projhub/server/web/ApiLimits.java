package io.projhub.server.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The largest request bodies the API reads: {@code maxAppendBody} for the generic append
 * ({@code POST /api/streams/{id}/events}), {@code maxCommandBody} for every other request under {@code /api/}.
 * A larger body is refused with 413 before it is parsed, whether it declares its length or is sent in chunks.
 */
@ConfigurationProperties("projhub.api")
public record ApiLimits(@DefaultValue("256KB") DataSize maxCommandBody, @DefaultValue("1MB") DataSize maxAppendBody) {

    public ApiLimits {
        requirePositive("projhub.api.max-command-body", maxCommandBody);
        requirePositive("projhub.api.max-append-body", maxAppendBody);
    }

    private static void requirePositive(String name, DataSize size) {
        if (size == null || size.toBytes() <= 0) {
            throw new IllegalArgumentException(name + " must be a positive size: " + size);
        }
    }
}
