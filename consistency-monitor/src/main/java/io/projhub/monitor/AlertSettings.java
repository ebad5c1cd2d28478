package io.projhub.monitor;

import static io.projhub.monitor.Settings.positive;

import java.time.Duration;

/**
 * When alerts are evaluated, re-checked and re-notified. Every {@code evaluationInterval} the subscriber's status is
 * turned into lane and hub alerts (a lane is stalled when the head is ahead of its checkpoint and the checkpoint has
 * not moved for {@code laneStalledAfter}; the frontier when pinned for {@code frontierPinnedAfter}; the poller when
 * its heartbeat is older than {@code heartbeatTimeout}) and firing, unacknowledged alerts last notified
 * {@code renotifyInterval} ago are notified again. Every {@code recheckInterval} each firing stream alert is checked
 * against its read model (resolved once it caught up, else re-driven again).
 */
public record AlertSettings(Duration evaluationInterval, Duration recheckInterval, Duration renotifyInterval,
                            Duration laneStalledAfter, Duration frontierPinnedAfter, Duration heartbeatTimeout) {

    public static final AlertSettings DEFAULTS = new AlertSettings(Duration.ofSeconds(5), Duration.ofSeconds(15),
            Duration.ofMinutes(30), Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(30));

    private static final String WHAT = "alert settings";

    public AlertSettings {
        positive(evaluationInterval, WHAT, "evaluationInterval");
        positive(recheckInterval, WHAT, "recheckInterval");
        positive(renotifyInterval, WHAT, "renotifyInterval");
        positive(laneStalledAfter, WHAT, "laneStalledAfter");
        positive(frontierPinnedAfter, WHAT, "frontierPinnedAfter");
        positive(heartbeatTimeout, WHAT, "heartbeatTimeout");
    }

    public AlertSettings withEvaluationInterval(Duration interval) {
        return new AlertSettings(interval, recheckInterval, renotifyInterval, laneStalledAfter, frontierPinnedAfter,
                heartbeatTimeout);
    }

    public AlertSettings withRecheckInterval(Duration interval) {
        return new AlertSettings(evaluationInterval, interval, renotifyInterval, laneStalledAfter, frontierPinnedAfter,
                heartbeatTimeout);
    }

    public AlertSettings withRenotifyInterval(Duration interval) {
        return new AlertSettings(evaluationInterval, recheckInterval, interval, laneStalledAfter, frontierPinnedAfter,
                heartbeatTimeout);
    }

    public AlertSettings withThresholds(Duration stalledAfter, Duration pinnedAfter, Duration heartbeat) {
        return new AlertSettings(evaluationInterval, recheckInterval, renotifyInterval, stalledAfter, pinnedAfter,
                heartbeat);
    }
}
