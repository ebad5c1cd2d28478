package io.projhub.server.queries;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.ReadModelProbe;
import io.projhub.server.web.InvalidParameterException;

/**
 * Read-your-writes: a query that carries the consistency token of a command waits, bounded, until the read model
 * that answers it has applied that position, asking the store itself (the probe). On timeout the query answers
 * anyway and says it is stale.
 */
public final class ConsistencyGate {

    public static final String TOKEN_HEADER = "X-Consistency-Token";
    public static final String POSITION_HEADER = "X-Read-Model-Position";
    public static final String CONSISTENCY_HEADER = "X-Consistency";

    private static final Logger log = LoggerFactory.getLogger(ConsistencyGate.class);
    private static final long POLL_MILLIS = 20;

    private final Duration maxWait;

    public ConsistencyGate(Duration maxWait) {
        this.maxWait = maxWait;
    }

    /** What the gate saw: the read model's position and whether it covers the token (null token: nothing asked). */
    public record Outcome(LogPosition readModelPosition, boolean consistent, boolean asked) {
    }

    /**
     * Waits until {@code probe}'s checkpoint covers {@code token}, at most the configured time.
     *
     * @throws InvalidParameterException if the token is not one this hub gave out
     */
    public Outcome await(ReadModelProbe probe, String token) {
        if (token == null || token.isBlank()) {
            return new Outcome(null, true, false);
        }
        LogPosition wanted;
        try {
            wanted = LogPosition.parse(token.strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidParameterException(TOKEN_HEADER, e.getMessage());
        }
        long deadline = System.nanoTime() + maxWait.toNanos();
        LogPosition seen = null;
        while (true) {
            try {
                seen = probe.checkpoint();
                if (seen.covers(wanted)) {
                    return new Outcome(seen, true, true);
                }
            } catch (Exception e) {
                log.debug("read_model={} event=probe-failed error=\"{}\"", probe.name(), e.toString());
            }
            if (System.nanoTime() >= deadline) {
                return new Outcome(seen, false, true);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Outcome(seen, false, true);
            }
        }
    }
}
