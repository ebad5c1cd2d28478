package io.projhub.monitor;

import static io.projhub.monitor.Settings.positive;
import static io.projhub.monitor.Settings.require;

import java.time.Duration;

/**
 * All of the monitor's settings, validated when built; {@link #DEFAULTS} holds every default. Lag is measured every
 * {@code lagInterval}; probes run on {@code probeThreads} threads; {@code close()} waits up to
 * {@code shutdownTimeout} for a delivery in flight.
 */
public record MonitorSettings(Duration lagInterval, int probeThreads, Duration shutdownTimeout,
                              VerificationSettings verification, AlertSettings alerts, OutboxSettings outbox) {

    public static final MonitorSettings DEFAULTS = new MonitorSettings(Duration.ofSeconds(5), 4, Duration.ofSeconds(5),
            VerificationSettings.DEFAULTS, AlertSettings.DEFAULTS, OutboxSettings.DEFAULTS);

    private static final String WHAT = "monitor settings";

    public MonitorSettings {
        positive(lagInterval, WHAT, "lagInterval");
        require(probeThreads >= 1 && probeThreads <= 64, WHAT, "probeThreads must be in [1, 64]");
        positive(shutdownTimeout, WHAT, "shutdownTimeout");
        require(verification != null, WHAT, "verification is required");
        require(alerts != null, WHAT, "alerts is required");
        require(outbox != null, WHAT, "outbox is required");
    }

    public MonitorSettings withLagInterval(Duration interval) {
        return new MonitorSettings(interval, probeThreads, shutdownTimeout, verification, alerts, outbox);
    }

    public MonitorSettings withShutdownTimeout(Duration timeout) {
        return new MonitorSettings(lagInterval, probeThreads, timeout, verification, alerts, outbox);
    }

    public MonitorSettings withVerification(VerificationSettings settings) {
        return new MonitorSettings(lagInterval, probeThreads, shutdownTimeout, settings, alerts, outbox);
    }

    public MonitorSettings withAlerts(AlertSettings settings) {
        return new MonitorSettings(lagInterval, probeThreads, shutdownTimeout, verification, settings, outbox);
    }

    public MonitorSettings withOutbox(OutboxSettings settings) {
        return new MonitorSettings(lagInterval, probeThreads, shutdownTimeout, verification, alerts, settings);
    }
}
