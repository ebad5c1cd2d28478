package io.projhub.server.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;

/**
 * The failed authentications each client address may still make, for {@link FailedAuthenticationThrottle}: one
 * Bucket4j bucket per address, {@code maxFailures} tokens refilled all at once every {@code window}. Bounded: at most
 * {@code maxClients} addresses (IPv6 ones grouped by their /64, which one client usually holds whole); when full, the
 * addresses whose bucket is full again (no failure left to remember) are dropped, then the least recently seen ones,
 * down to nine tenths of the bound. Every request with credentials passes here, so the buckets are read without a lock (Bucket4j's local
 * buckets are thread-safe; a lock here serialized all requests and queued them behind any thread the OS paused while
 * holding it); only adding an address takes one, and only a full map is scanned.
 */
final class FailedAuthentications {

    static final int MAX_CLIENTS = 10_000;

    /**
     * The decision for one request with credentials: {@code allowed} took one failure up front (given back by
     * {@link #giveBack} unless the request fails); {@code last} it took the last one the window allows; otherwise the
     * client may try again in {@code retryAfterSeconds}.
     */
    record Attempt(boolean allowed, boolean last, long retryAfterSeconds) {
    }

    private final int maxFailures;
    private final Duration window;
    private final int maxClients;
    private final TimeMeter clock;
    private final ConcurrentHashMap<String, Tracked> buckets = new ConcurrentHashMap<>();
    /** Orders the addresses by when they were last seen (a counter: two requests in one clock tick still differ). */
    private final AtomicLong seen = new AtomicLong();

    private static final class Tracked {
        final Bucket bucket;
        volatile long lastSeen;

        Tracked(Bucket bucket) {
            this.bucket = bucket;
        }
    }

    FailedAuthentications(int maxFailures, Duration window, int maxClients) {
        this(maxFailures, window, maxClients, System::nanoTime);
    }

    FailedAuthentications(int maxFailures, Duration window, int maxClients, LongSupplier nanoClock) {
        this.maxFailures = maxFailures;
        this.window = window;
        this.maxClients = maxClients;
        this.clock = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return nanoClock.getAsLong();
            }

            @Override
            public boolean isWallClockBased() {
                return false;
            }
        };
    }

    /** Takes one failure from the client's allowance if any is left: the decision and the taking are one step. */
    Attempt attempt(String client) {
        while (true) {
            Tracked tracked = tracked(client);
            tracked.lastSeen = seen.incrementAndGet();
            ConsumptionProbe probe = tracked.bucket.tryConsumeAndReturnRemaining(1);
            if (buckets.get(client) != tracked) {
                continue; // dropped meanwhile to make room: count this one in the address's new bucket
            }
            if (!probe.isConsumed()) {
                long nanos = probe.getNanosToWaitForRefill();
                return new Attempt(false, false, Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L));
            }
            return new Attempt(true, probe.getRemainingTokens() == 0, 0);
        }
    }

    private Tracked tracked(String client) {
        Tracked tracked = buckets.get(client);
        if (tracked == null) {
            synchronized (buckets) {
                tracked = buckets.get(client);
                if (tracked == null) {
                    makeRoom();
                    tracked = new Tracked(Bucket.builder()
                            .addLimit(limit -> limit.capacity(maxFailures).refillIntervally(maxFailures, window))
                            .withCustomTimePrecision(clock)
                            .build());
                    buckets.put(client, tracked);
                }
            }
        }
        return tracked;
    }

    /** The allowed attempt did not fail: its failure is given back (never beyond the allowance). */
    void giveBack(String client, Attempt attempt) {
        if (!attempt.allowed()) {
            return;
        }
        Tracked tracked = buckets.get(client);
        if (tracked != null) {
            tracked.bucket.addTokens(1);
        }
    }

    int size() {
        return buckets.size();
    }

    /**
     * Called holding the lock on {@code buckets}, before adding an address. A full map is brought down to nine tenths
     * in one pass (first the addresses with no failure to remember, then the least recently seen), so that new
     * addresses arriving one after another do not each scan it.
     */
    private void makeRoom() {
        if (buckets.size() < maxClients) {
            return;
        }
        buckets.values().removeIf(t -> t.bucket.getAvailableTokens() >= maxFailures);
        int target = maxClients - Math.max(1, maxClients / 10);
        int excess = buckets.size() - target;
        if (excess > 0) {
            buckets.entrySet().stream()
                    .sorted(Comparator.comparingLong(e -> e.getValue().lastSeen))
                    .limit(excess)
                    .toList()
                    .forEach(eldest -> buckets.remove(eldest.getKey(), eldest.getValue()));
        }
    }

    /** The key an address is counted under: itself, or for IPv6 its /64 network ({@code 2001:db8:1:2::/64}). */
    static String clientOf(String address) {
        if (address == null || address.indexOf(':') < 0) {
            return address;
        }
        try {
            // a literal (it has a colon): parsed, never looked up
            byte[] bytes = InetAddress.getByName(address).getAddress();
            if (bytes.length != 16) {
                return InetAddress.getByAddress(bytes).getHostAddress();
            }
            StringBuilder network = new StringBuilder();
            for (int i = 0; i < 8; i += 2) {
                network.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
            }
            return network.append(":/64").toString();
        } catch (UnknownHostException e) {
            return address;
        }
    }
}
