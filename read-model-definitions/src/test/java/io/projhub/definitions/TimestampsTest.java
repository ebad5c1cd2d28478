package io.projhub.definitions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The fast path answers exactly as Instant.parse: the same instant, or the same refusal. */
class TimestampsTest {

    @Test
    void everyTextGivesWhatInstantParseGives() {
        Random random = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextLong(-62_000_000_000L, 250_000_000_000L),
                    random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000_000));
            String text = instant.toString();
            assertThat(Timestamps.parseInstant(text)).as(text).isEqualTo(Instant.parse(text));
            // trimmed fractions (".5Z", ".120Z") as clients write them
            String trimmed = text.contains(".") ? text.replaceAll("0+Z$", "Z").replace(".Z", "Z") : text;
            assertThat(Timestamps.parseInstant(trimmed)).as(trimmed).isEqualTo(Instant.parse(trimmed));
        }
        assertThat(Timestamps.fastPath("2026-01-31T12:00:00Z")).isEqualTo(Instant.parse("2026-01-31T12:00:00Z"));
        assertThat(Timestamps.fastPath("2026-01-31T12:00:00.123456789Z"))
                .isEqualTo(Instant.parse("2026-01-31T12:00:00.123456789Z"));
    }

    @Test
    void whatTheFastPathDoesNotTakeGoesToInstantParseWithItsAnswerOrItsError() {
        // offsets, a leap second and 24:00 are Instant.parse's; the answers must be its answers
        for (String text : List.of("2026-01-31T12:00:00+02:00", "2026-01-31T12:00:00.5-01:30", "2016-12-31T23:59:60Z",
                "+12026-01-31T12:00:00Z", "2026-01-31T12:00Z", "2026-01-31T12:00:00.Z", "2026-01-31t12:00:00z")) {
            Object expected;
            try {
                expected = Instant.parse(text);
            } catch (DateTimeParseException e) {
                expected = e.getClass();
            }
            Object actual;
            try {
                actual = Timestamps.parseInstant(text);
            } catch (DateTimeParseException e) {
                actual = e.getClass();
            }
            assertThat(actual).as(text).isEqualTo(expected);
        }
        for (String bad : List.of("2026-02-31T12:00:00Z", "2026-13-01T12:00:00Z", "2026-01-31T25:00:00Z",
                "2026-01-31T12:61:00Z", "2026-01-31T12:00:00.1234567890Z",
                "2026-01-31 12:00:00Z", "2026-0a-31T12:00:00Z", "yesterday", "")) {
            assertThat(Timestamps.fastPath(bad)).as(bad).isNull();
            assertThatThrownBy(() -> Timestamps.parseInstant(bad)).as(bad)
                    .isInstanceOf(DateTimeParseException.class);
        }
    }
}
