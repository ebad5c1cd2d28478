package io.projhub.server.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.function.LongSupplier;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;

/**
 * The failed authentications each client address may still make, for {@link FailedAuthenticationThrottle}: one
 * Bucket4j bucket per address, {@code maxFailures} tokens refilled all at once every {@code window}. Bounded: at most
 * {@code maxClients} addresses (IPv6 ones grouped by their /64, which one client usually holds whole); when full, the
 * least recently seen addresses whose bucket is full again (no failure left to remember) are dropped, and if it is
 * still full the least recently seen one. One lock; every operation is O(1) amortized.
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
    /** Guarded by itself. */
    private final LinkedHashMap<String, Bucket> buckets = new LinkedHashMap<>(64, 0.75f, true);

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
        synchronized (buckets) {
            Bucket bucket = buckets.get(client);
            if (bucket == null) {
                makeRoom();
                bucket = Bucket.builder()
                        .addLimit(limit -> limit.capacity(maxFailures).refillIntervally(maxFailures, window))
                        .withCustomTimePrecision(clock)
                        .build();
                buckets.put(client, bucket);
            }
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                long nanos = probe.getNanosToWaitForRefill();
                return new Attempt(false, false, Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L));
            }
            return new Attempt(true, probe.getRemainingTokens() == 0, 0);
        }
    }

    /** The allowed attempt did not fail: its failure is given back (never beyond the allowance). */
    void giveBack(String client, Attempt attempt) {
        if (!attempt.allowed()) {
            return;
        }
        synchronized (buckets) {
            Bucket bucket = buckets.get(client);
            if (bucket != null) {
                bucket.addTokens(1);
            }
        }
    }

    int size() {
        synchronized (buckets) {
            return buckets.size();
        }
    }

    private void makeRoom() {
        if (buckets.size() < maxClients) {
            return;
        }
        Iterator<Bucket> eldestFirst = buckets.values().iterator();
        while (eldestFirst.hasNext()) {
            if (eldestFirst.next().getAvailableTokens() < maxFailures) {
                break; // failures still counted: kept, and so is every more recently seen address
            }
            eldestFirst.remove();
        }
        if (buckets.size() >= maxClients) {
            eldestFirst = buckets.values().iterator();
            eldestFirst.next();
            eldestFirst.remove();
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
