package io.projhub.server.queries;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.server.web.InvalidParameterException;

/**
 * Read-your-writes and causal consistency: a query that carries a consistency token (the position of a write the
 * caller made or saw) waits, bounded, until the read model that answers it has applied that position and made it
 * visible to its queries, asking the store itself ({@link ReadModelWaits}: one probe round per read model serves
 * every waiting request). On timeout, or when too many requests already wait, the query answers anyway and says it
 * is stale. A token beyond the log's head was not given out by this hub (or the log was restored): a 400 naming the
 * header, at once.
 */
public final class ConsistencyGate {

    public static final String TOKEN_HEADER = "X-Consistency-Token";
    public static final String POSITION_HEADER = "X-Read-Model-Position";
    public static final String CONSISTENCY_HEADER = "X-Consistency";

    private final Duration maxWait;
    private final ReadModelWaits waits;
    private final Supplier<LogPosition> cachedHead;
    private final Supplier<Optional<LogPosition>> freshHead;

    /**
     * @param cachedHead the log head as last measured (cheap; may lag behind the newest append)
     * @param freshHead  the log head read now (one query), asked only when a token is beyond the cached head
     */
    public ConsistencyGate(Duration maxWait, ReadModelWaits waits, Supplier<LogPosition> cachedHead,
                           Supplier<Optional<LogPosition>> freshHead) {
        this.maxWait = maxWait;
        this.waits = waits;
        this.cachedHead = cachedHead;
        this.freshHead = freshHead;
    }

    /** What the gate saw: the read model's position and whether it covers the token (null token: nothing asked). */
    public record Outcome(LogPosition readModelPosition, boolean consistent, boolean asked) {
    }

    /**
     * Waits until {@code readModel} covers {@code token}, at most the configured time.
     *
     * @throws InvalidParameterException if the token is not one this hub gave out, or lies beyond the log's head
     */
    public Outcome await(String readModel, String token) {
        if (token == null || token.isBlank()) {
            return new Outcome(null, true, false);
        }
        LogPosition wanted = parse(token);
        return await(readModel, wanted, maxWait);
    }

    /** Parses a token and checks it is not beyond the log's head. */
    public LogPosition parse(String token) {
        LogPosition wanted;
        try {
            wanted = LogPosition.parse(token.strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidParameterException(TOKEN_HEADER, e.getMessage());
        }
        LogPosition head = cachedHead.get();
        if (head == null || !head.covers(wanted)) {
            LogPosition fresh = freshHead.get().orElse(LogPosition.START);
            if (!fresh.covers(wanted)) {
                throw new InvalidParameterException(TOKEN_HEADER, TOKEN_HEADER + " " + wanted.token()
                        + " is beyond the log's head " + fresh.token()
                        + ": it was not given out by this hub's log (was the log restored from a backup?)");
            }
        }
        return wanted;
    }

    /** Waits until {@code readModel} covers {@code wanted}, at most {@code wait}. */
    public Outcome await(String readModel, LogPosition wanted, Duration wait) {
        CompletableFuture<LogPosition> reached = waits.await(readModel, wanted);
        try {
            LogPosition seen = reached.get(wait.toNanos(), TimeUnit.NANOSECONDS);
            if (seen == null) { // too many requests wait already: answer now
                return new Outcome(waits.lastSeen(readModel), false, true);
            }
            return new Outcome(seen, true, true);
        } catch (TimeoutException e) {
            waits.cancel(reached);
            return new Outcome(waits.lastSeen(readModel), false, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            waits.cancel(reached);
            return new Outcome(waits.lastSeen(readModel), false, true);
        } catch (ExecutionException e) {
            return new Outcome(waits.lastSeen(readModel), false, true);
        }
    }

    /** How long a query waits at most for its read model to reach the caller's token. */
    public Duration maxWait() {
        return maxWait;
    }

    public ReadModelWaits waits() {
        return waits;
    }
}
