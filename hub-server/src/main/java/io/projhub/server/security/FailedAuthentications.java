package io.projhub.server.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The failed authentications of each client address in its current window, for {@link FailedAuthenticationThrottle}.
 * Bounded: at most {@code maxClients} addresses (IPv6 ones grouped by their /64, which one client usually holds
 * whole); when full, the least recently seen entries whose window has passed (or that never failed) are dropped, and
 * if it is still full the least recently seen one. One lock; every operation is O(1) amortized.
 */
final class FailedAuthentications {

    static final int MAX_CLIENTS = 10_000;

    /**
     * The decision for one request with credentials: {@code allowed} took one failure up front (given back by
     * {@link #giveBack} unless the request fails); {@code last} it took the last one the window allows; otherwise the
     * client may try again in {@code retryAfterSeconds}.
     */
    record Attempt(boolean allowed, boolean last, long retryAfterSeconds, long windowStart) {
    }

    /** One client's window; guarded by the map's lock. */
    private static final class Window {
        long start;
        int failures;
    }

    private final int maxFailures;
    private final long windowNanos;
    private final int maxClients;
    private final LongSupplier nanoClock;
    private final LinkedHashMap<String, Window> windows = new LinkedHashMap<>(64, 0.75f, true);

    FailedAuthentications(int maxFailures, Duration window, int maxClients) {
        this(maxFailures, window, maxClients, System::nanoTime);
    }

    FailedAuthentications(int maxFailures, Duration window, int maxClients, LongSupplier nanoClock) {
        this.maxFailures = maxFailures;
        this.windowNanos = window.toNanos();
        this.maxClients = maxClients;
        this.nanoClock = nanoClock;
    }

    /** Takes one failure from the client's allowance if any is left: the decision and the taking are one step. */
    Attempt attempt(String client) {
        long now = nanoClock.getAsLong();
        synchronized (windows) {
            Window window = windows.get(client);
            if (window == null) {
                makeRoom(now);
                window = new Window();
                window.start = now;
                windows.put(client, window);
            } else if (now - window.start >= windowNanos) {
                window.start = now;
                window.failures = 0;
            }
            if (window.failures >= maxFailures) {
                long nanos = window.start + windowNanos - now;
                return new Attempt(false, false, Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L), window.start);
            }
            window.failures++;
            return new Attempt(true, window.failures == maxFailures, 0, window.start);
        }
    }

    /** The allowed attempt did not fail: its failure is given back (unless its window has passed meanwhile). */
    void giveBack(String client, Attempt attempt) {
        synchronized (windows) {
            Window window = windows.get(client);
            if (window != null && window.start == attempt.windowStart() && window.failures > 0) {
                window.failures--;
            }
        }
    }

    int size() {
        synchronized (windows) {
            return windows.size();
        }
    }

    private void makeRoom(long now) {
        if (windows.size() < maxClients) {
            return;
        }
        Iterator<Map.Entry<String, Window>> eldestFirst = windows.entrySet().iterator();
        while (eldestFirst.hasNext()) {
            Window window = eldestFirst.next().getValue();
            if (window.failures > 0 && now - window.start < windowNanos) {
                break;
            }
            eldestFirst.remove();
        }
        if (windows.size() >= maxClients) {
            eldestFirst = windows.entrySet().iterator();
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
