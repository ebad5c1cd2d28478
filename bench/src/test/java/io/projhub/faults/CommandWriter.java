package io.projhub.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.projhub.bench.HubApi;

/**
 * A steady stream of commands through the hub's REST API (so the consistency monitor tracks every append): orders
 * for a few customers, half of them shipped and some cancelled a few commands later. One thread, a fixed pace; it can
 * be paused, so the read models can be compared with the log at a quiet moment.
 */
final class CommandWriter implements Runnable {

    private final HubApi api;
    private final String prefix;
    private final double commandsPerSecond;
    private final Random random = new Random(42);
    private final List<String> customers = new ArrayList<>();
    private final List<String> openOrders = new ArrayList<>();
    private final Map<String, AtomicLong> statuses = new TreeMap<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile boolean paused;
    private volatile boolean idle;
    private long orders;

    final AtomicLong commands = new AtomicLong();
    final AtomicLong failures = new AtomicLong();

    CommandWriter(HubApi api, String prefix, double commandsPerSecond) {
        this.api = api;
        this.prefix = prefix;
        this.commandsPerSecond = commandsPerSecond;
        this.thread = new Thread(this, "command-writer");
        thread.setDaemon(true);
    }

    /** Registers {@code count} customers (synchronously), then starts the stream. */
    CommandWriter start(int count) {
        for (int i = 0; i < count; i++) {
            String id = prefix + "c-" + i;
            HubApi.Response r = api.post("/api/customers", "{\"id\": \"" + id + "\", \"name\": \"Customer " + i
                    + "\", \"email\": \"c" + i + "@example.com\"}");
            if (r.status() != 201) {
                throw new IllegalStateException("registering " + id + ": " + r.status() + " " + r.body());
            }
            customers.add(id);
        }
        thread.start();
        return this;
    }

    /** Stops writing and waits until the command in flight is done. */
    void pause() throws InterruptedException {
        paused = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!idle && thread.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    void resume() {
        paused = false;
    }

    void stop() throws InterruptedException {
        stop = true;
        thread.join(60_000);
    }

    /** HTTP status (or "io-error") → count. */
    synchronized Map<String, Long> statuses() {
        Map<String, Long> copy = new TreeMap<>();
        statuses.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    @Override
    public void run() {
        long begin = System.nanoTime();
        long tick = 0;
        while (!stop) {
            if (paused) {
                idle = true;
                sleep(20);
                begin = System.nanoTime();
                tick = 0;
                continue;
            }
            idle = false;
            long due = begin + (long) (tick * 1e9 / commandsPerSecond);
            long now = System.nanoTime();
            if (due > now) {
                sleep((due - now) / 1_000_000);
            }
            if (paused || stop) {
                continue;
            }
            next();
            tick++;
        }
        idle = true;
    }

    private void next() {
        if (openOrders.size() > 8 && random.nextInt(3) == 0) {
            String order = openOrders.remove(random.nextInt(openOrders.size() - 4)); // not the newest
            if (random.nextInt(5) == 0) {
                send("/api/orders/" + order + "/cancel", "{\"reason\": \"changed my mind\"}");
            } else {
                send("/api/orders/" + order + "/ship", "{\"trackingNumber\": \"TRK-" + order + "\", \"carrier\": \""
                        + List.of("DHL", "UPS", "FedEx", "GLS").get(random.nextInt(4)) + "\"}");
            }
        } else {
            String id = prefix + "o-" + orders++;
            String customer = customers.get(random.nextInt(customers.size()));
            String body = "{\"id\": \"" + id + "\", \"customerId\": \"" + customer + "\", \"currency\": \"EUR\", "
                    + "\"items\": [{\"name\": \"Product " + random.nextInt(20) + "\", \"price\": \""
                    + (100 + random.nextInt(9000)) / 100 + "." + String.format("%02d", random.nextInt(100))
                    + "\", \"quantity\": " + (1 + random.nextInt(3)) + "}]}";
            if (send("/api/orders", body)) {
                openOrders.add(id);
            }
        }
    }

    private boolean send(String path, String body) {
        commands.incrementAndGet();
        String status;
        boolean ok;
        try {
            HubApi.Response r = api.post(path, body);
            status = Integer.toString(r.status());
            ok = r.status() / 100 == 2;
        } catch (RuntimeException e) {
            status = "io-error";
            ok = false;
        }
        if (!ok) {
            failures.incrementAndGet();
        }
        synchronized (this) {
            statuses.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
        }
        return ok;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(Math.max(0, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
