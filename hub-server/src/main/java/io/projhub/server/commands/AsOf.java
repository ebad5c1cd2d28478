package io.projhub.server.commands;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import io.projhub.server.web.InvalidParameterException;

/**
 * A time-travel request: the {@code asOfVersion} or {@code asOf} query parameter, at most one of them; neither means
 * now. {@code asOf} is a strict ISO-8601 date-time with an offset ({@code 2026-01-31T12:00:00Z},
 * {@code 2026-01-31T13:00:00.250+01:00}): no local times, no February 30th.
 */
record AsOf(Long version, Instant instant) {

    static AsOf of(Long asOfVersion, String asOf) {
        if (asOfVersion != null && asOf != null) {
            throw new InvalidParameterException("asOf", "give either asOf or asOfVersion, not both");
        }
        if (asOfVersion != null && asOfVersion < 1) {
            throw new InvalidParameterException("asOfVersion", "must be at least 1 (stream versions start at 1)");
        }
        return new AsOf(asOfVersion, asOf == null ? null : instant(asOf));
    }

    private static Instant instant(String text) {
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            String hint = text.contains(" ") ? " (a '+' in a query string must be sent as %2B)" : "";
            throw new InvalidParameterException("asOf", "must be an ISO-8601 date-time with an offset, e.g. "
                    + "2026-01-31T12:00:00Z" + hint);
        }
    }
}
