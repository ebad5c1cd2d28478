package io.projhub.monitor.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.FrontierStatus;
import io.projhub.core.projection.LaneStatus;
import io.projhub.core.projection.SubscriberStatus;
import io.projhub.monitor.AlertKind;
import io.projhub.monitor.AlertSettings;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns the subscriber's status into alert conditions: each lane stalled or holding dead letters, the frontier
 * pinned, the poller's heartbeat missing. A condition is ACTIVE (raise unless firing), CLEAR (resolve if firing) or
 * UNKNOWN (not enough seen yet to say either; leave as is). Remembers each lane's checkpoint between calls to
 * tell a stalled lane; called from one thread only.
 */
final class SubscriberHealth {

    static final String FRONTIER_KEY = "frontier:pinned";
    static final String HEARTBEAT_KEY = "poller:heartbeat";

    enum State { ACTIVE, CLEAR, UNKNOWN }

    /** One evaluated condition: the alert to raise when ACTIVE, the resolution to record when CLEAR. */
    record Condition(String key, State state, AlertDraft draft, String resolution) {
        static Condition active(AlertDraft draft) {
            return new Condition(draft.key(), State.ACTIVE, draft, null);
        }

        static Condition clear(String key, String resolution) {
            return new Condition(key, State.CLEAR, null, resolution);
        }

        static Condition unknown(String key) {
            return new Condition(key, State.UNKNOWN, null, null);
        }
    }

    /** A lane's checkpoint and since when it has not moved while behind the head. */
    private record Watch(LogPosition checkpoint, Instant since) {
    }

    private final AlertSettings settings;
    private final Instant startedAt;
    private final Map<String, Watch> watches = new HashMap<>();
    /** The lanes the last evaluation saw: a lane that disappears (its definition removed) has its alerts resolved. */
    private java.util.Set<String> seen = java.util.Set.of();

    SubscriberHealth(AlertSettings settings, Instant startedAt) {
        this.settings = settings;
        this.startedAt = startedAt;
    }

    List<Condition> evaluate(SubscriberStatus status, Instant now) {
        List<Condition> conditions = new ArrayList<>();
        java.util.Set<String> lanes = new java.util.HashSet<>();
        for (LaneStatus lane : status.lanes()) {
            lanes.add(lane.name());
            conditions.add(stalled(lane, status.head(), now));
            conditions.add(deadLetters(lane));
            conditions.add(checkpointNotInLog(lane));
        }
        for (String gone : seen) {
            if (!lanes.contains(gone)) {
                String reason = "lane " + gone + " was removed (its read model is no longer defined)";
                watches.remove(gone);
                conditions.add(Condition.clear(stalledKey(gone), reason));
                conditions.add(Condition.clear(deadLettersKey(gone), reason));
                conditions.add(Condition.clear(checkpointNotInLogKey(gone), reason));
            }
        }
        seen = lanes;
        conditions.add(logRestored(status.refusedBecause()));
        conditions.add(frontier(status.frontier()));
        conditions.add(heartbeat(status.pollerHeartbeat(), now));
        return conditions;
    }

    static String stalledKey(String lane) {
        return lane + ":stalled";
    }

    static String deadLettersKey(String lane) {
        return lane + ":dead-letters";
    }

    private Condition stalled(LaneStatus lane, LogPosition subscriberHead, Instant now) {
        String key = stalledKey(lane.name());
        LogPosition checkpoint = lane.checkpoint();
        LogPosition head = lane.head() != null ? lane.head() : subscriberHead;
        if (checkpoint == null) {
            watches.remove(lane.name());
            return Condition.unknown(key);
        }
        if (head == null || checkpoint.covers(head)) {
            watches.put(lane.name(), new Watch(checkpoint, now));
            return Condition.clear(key, "lane " + lane.name() + " caught up with the head at " + checkpoint.token());
        }
        Watch watch = watches.get(lane.name());
        if (watch == null) {
            watches.put(lane.name(), new Watch(checkpoint, now));
            return Condition.unknown(key);
        }
        if (!watch.checkpoint().equals(checkpoint)) {
            watches.put(lane.name(), new Watch(checkpoint, now));
            return Condition.clear(key, "lane " + lane.name() + " moved on to " + checkpoint.token());
        }
        Duration still = Duration.between(watch.since(), now);
        if (still.compareTo(settings.laneStalledAfter()) < 0) {
            return Condition.unknown(key);
        }
        ObjectNode details = MonitorJson.object();
        details.put("lane", lane.name());
        details.put("checkpoint", checkpoint.token());
        details.put("head", head.token());
        details.put("stalledSeconds", still.toMillis() / 1000.0);
        details.put("state", lane.state() == null ? null : lane.state().name());
        details.put("lagEvents", lane.lagEvents());
        details.put("retries", lane.retries());
        details.put("lastError", lane.lastError());
        details.put("stalledBy", lane.stalledBy());
        String summary = String.format(Locale.ROOT,
                "Lane %s is stalled: its checkpoint %s has not moved for %ds while the log head is at %s (%s)",
                lane.name(), checkpoint.token(), still.toSeconds(), head.token(),
                lane.lastError() != null ? "last error: " + lane.lastError()
                        : lane.stalledBy() != null ? lane.stalledBy() : "state " + lane.state());
        return Condition.active(new AlertDraft(key, AlertKind.LANE_STALLED, lane.name(), null, null,
                AlertKind.LANE_STALLED.severity(), summary, details));
    }

    static final String LOG_RESTORED_KEY = "log:restored";

    private Condition logRestored(String refusedBecause) {
        if (refusedBecause == null) {
            return Condition.clear(LOG_RESTORED_KEY, "the subscriber projects again");
        }
        ObjectNode details = MonitorJson.object();
        details.put("refusedBecause", refusedBecause);
        return Condition.active(new AlertDraft(LOG_RESTORED_KEY, AlertKind.LOG_RESTORED, null, null, null,
                AlertKind.LOG_RESTORED.severity(), refusedBecause, details));
    }

    static String checkpointNotInLogKey(String lane) {
        return lane + ":checkpoint-not-in-log";
    }

    private Condition checkpointNotInLog(LaneStatus lane) {
        String key = checkpointNotInLogKey(lane.name());
        if (lane.checkpoint() == null) {
            return Condition.unknown(key);
        }
        if (!lane.checkpointNotInLog()) {
            return Condition.clear(key, "the checkpoint of read model " + lane.name() + " names an event of the log again");
        }
        ObjectNode details = MonitorJson.object();
        details.put("lane", lane.name());
        details.put("checkpoint", lane.checkpoint().token());
        details.put("head", lane.head() == null ? null : lane.head().token());
        String summary = String.format(Locale.ROOT, "Read model %s says it applied up to %s, an event the log does not "
                        + "hold (log head %s): PostgreSQL was restored from a backup older than this store, or the store "
                        + "belongs to another log. Events the log gets up to that position would be skipped: rebuild the "
                        + "read model (POST /api/admin/read-models/%s/rebuild)", lane.name(), lane.checkpoint().token(),
                lane.head() == null ? "unknown" : lane.head().token(), lane.name());
        return Condition.active(new AlertDraft(key, AlertKind.CHECKPOINT_NOT_IN_LOG, lane.name(), null, null,
                AlertKind.CHECKPOINT_NOT_IN_LOG.severity(), summary, details));
    }

    private Condition deadLetters(LaneStatus lane) {
        String key = deadLettersKey(lane.name());
        // Open dead letters are the failed heads and the events parked behind them; the lane marks them REPLAYED
        // or SKIPPED only once the store has applied (or recorded as skipped) every one of them, so the alert
        // resolves only when each held-back stream's applied version has reached the log's.
        if (lane.deadLetters() <= 0 && lane.parkedStreams() <= 0) {
            return Condition.clear(key, "lane " + lane.name() + " has no dead letters left");
        }
        ObjectNode details = MonitorJson.object();
        details.put("lane", lane.name());
        details.put("deadLetters", lane.deadLetters());
        details.put("parkedStreams", lane.parkedStreams());
        details.put("lastError", lane.lastError());
        String summary = String.format(Locale.ROOT,
                "Lane %s has %d dead letter(s) holding back %d stream(s): replay or skip the head of each chain",
                lane.name(), lane.deadLetters(), lane.parkedStreams());
        return Condition.active(new AlertDraft(key, AlertKind.DEAD_LETTERS, lane.name(), null, null,
                AlertKind.DEAD_LETTERS.severity(), summary, details));
    }

    private Condition frontier(FrontierStatus frontier) {
        if (frontier == null) {
            return Condition.unknown(FRONTIER_KEY);
        }
        double limit = settings.frontierPinnedAfter().toMillis() / 1000.0;
        if (frontier.pinnedSeconds() < limit) {
            return Condition.clear(FRONTIER_KEY, "the frontier is free again");
        }
        ObjectNode details = MonitorJson.object();
        details.put("pinnedSeconds", frontier.pinnedSeconds());
        details.put("holderPid", frontier.holderPid());
        details.put("holderDatabase", frontier.holderDatabase());
        details.put("holderState", frontier.holderState());
        details.put("holderPreparedGid", frontier.holderPreparedGid());
        details.put("holderTransactionStart", frontier.holderTransactionStart() == null ? null
                : frontier.holderTransactionStart().toString());
        String summary = "The gap-safe frontier is pinned: " + frontier.describe()
                + "; no lane sees events committed after that transaction started";
        return Condition.active(new AlertDraft(FRONTIER_KEY, AlertKind.FRONTIER_PINNED, null, null, null,
                AlertKind.FRONTIER_PINNED.severity(), summary, details));
    }

    private Condition heartbeat(Instant heartbeat, Instant now) {
        Duration timeout = settings.heartbeatTimeout();
        if (heartbeat == null) {
            if (Duration.between(startedAt, now).compareTo(timeout) < 0) {
                return Condition.unknown(HEARTBEAT_KEY);
            }
        } else if (Duration.between(heartbeat, now).compareTo(timeout) <= 0) {
            return Condition.clear(HEARTBEAT_KEY, "the poller is reading the log again");
        }
        ObjectNode details = MonitorJson.object();
        details.put("lastHeartbeat", heartbeat == null ? null : heartbeat.toString());
        details.put("timeoutSeconds", timeout.toSeconds());
        String summary = heartbeat == null
                ? "The poller has not read the log since the monitor started " + Duration.between(startedAt, now).toSeconds() + "s ago"
                : "The poller has not read the log for " + Duration.between(heartbeat, now).toSeconds() + "s (last heartbeat "
                + heartbeat + ")";
        return Condition.active(new AlertDraft(HEARTBEAT_KEY, AlertKind.POLLER_HEARTBEAT, null, null, null,
                AlertKind.POLLER_HEARTBEAT.severity(), summary, details));
    }
}
