package io.projhub.core.projection.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StreamOrderGuardTest {

    @Test
    void judgesTheNextVersionOfAStreamAgainstTheLastOnePassed() {
        StreamOrderGuard guard = new StreamOrderGuard(10);

        assertThat(guard.check("a", 7)).as("first sight of a stream").isEqualTo(StreamOrderGuard.Verdict.IN_ORDER);
        guard.passed("a", 7);
        assertThat(guard.check("a", 8)).isEqualTo(StreamOrderGuard.Verdict.IN_ORDER);
        assertThat(guard.check("a", 10)).isEqualTo(StreamOrderGuard.Verdict.GAP);
        assertThat(guard.check("a", 7)).isEqualTo(StreamOrderGuard.Verdict.STALE);
        assertThat(guard.check("a", 3)).isEqualTo(StreamOrderGuard.Verdict.STALE);
    }

    @Test
    void remembersOnlyTheMostRecentlyUsedStreams() {
        StreamOrderGuard guard = new StreamOrderGuard(2);
        guard.passed("a", 5);
        guard.passed("b", 5);
        guard.check("a", 6);
        guard.passed("c", 5);

        assertThat(guard.check("b", 1)).as("b was evicted, so nothing is known of it").isEqualTo(StreamOrderGuard.Verdict.IN_ORDER);
        assertThat(guard.check("a", 1)).isEqualTo(StreamOrderGuard.Verdict.STALE);
    }
}
