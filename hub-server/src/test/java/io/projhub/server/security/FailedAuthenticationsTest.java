package io.projhub.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The per-address allowance: taken before deciding, given back on success, bounded, IPv6 grouped by /64. */
class FailedAuthenticationsTest {

    private final AtomicLong now = new AtomicLong();
    private final FailedAuthentications failures = new FailedAuthentications(3, Duration.ofSeconds(10), 4, now::get);

    @Test
    void failuresUseTheAllowanceSuccessesGiveItBackAndTheWindowRenewsIt() {
        for (int i = 0; i < 10; i++) {
            FailedAuthentications.Attempt success = failures.attempt("10.0.0.1");
            assertThat(success.allowed()).isTrue();
            failures.giveBack("10.0.0.1", success);
        }
        assertThat(failures.attempt("10.0.0.1").allowed()).isTrue();
        assertThat(failures.attempt("10.0.0.1").allowed()).isTrue();
        assertThat(failures.attempt("10.0.0.1").last()).isTrue();
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        FailedAuthentications.Attempt blocked = failures.attempt("10.0.0.1");
        assertThat(blocked.allowed()).isFalse();
        assertThat(blocked.retryAfterSeconds()).isEqualTo(6);
        assertThat(failures.attempt("10.0.0.2").allowed()).as("another address").isTrue();

        now.addAndGet(Duration.ofSeconds(6).toNanos());
        assertThat(failures.attempt("10.0.0.1").allowed()).as("the next window").isTrue();
    }

    @Test
    void theMapIsBoundedDroppingPassedWindowsFirstThenTheLeastRecentlySeen() {
        failures.attempt("a");
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        failures.attempt("b");
        failures.attempt("c");
        failures.attempt("d");
        failures.attempt("e");
        assertThat(failures.size()).as("a's window had passed: dropped for e").isEqualTo(4);
        failures.attempt("b");
        failures.attempt("f");
        assertThat(failures.size()).isEqualTo(4);
        for (int i = 0; i < 2; i++) {
            failures.attempt("b");
        }
        assertThat(failures.attempt("b").allowed()).as("b, recently seen, was kept").isFalse();
        assertThat(failures.attempt("c").allowed()).as("c, the least recently seen, was dropped: a new window")
                .isTrue();
    }

    @Test
    void ipv6AddressesAreCountedByTheirSlash64() {
        assertThat(FailedAuthentications.clientOf("2001:db8:1:2:aaaa:bbbb:cccc:dddd"))
                .isEqualTo(FailedAuthentications.clientOf("2001:db8:1:2::1")).isEqualTo("2001:db8:1:2::/64");
        assertThat(FailedAuthentications.clientOf("2001:db8:1:3::1")).isEqualTo("2001:db8:1:3::/64");
        assertThat(FailedAuthentications.clientOf("192.0.2.7")).isEqualTo("192.0.2.7");
        assertThat(FailedAuthentications.clientOf("::ffff:192.0.2.7")).isEqualTo("192.0.2.7");
    }
}
