package io.projhub.core.eventstore;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A place in the global event log: the writing transaction and the event's position, ordered by
 * {@code (txId, position)}, the order in which the gap-safe reader delivers events.
 *
 * <p>It is both a subscriber's checkpoint and the <em>consistency token</em> a command returns: a read model whose
 * checkpoint is {@code C} has applied event {@code E} iff {@code E.logPosition() <= C} (see {@link #covers}).
 * Callers see it only as the opaque string {@link #token()}.
 */
public record LogPosition(long txId, long position) implements Comparable<LogPosition> {

    /** Before the first event: reading after it returns the whole log. */
    public static final LogPosition START = new LogPosition(0, 0);

    private static final Pattern TOKEN = Pattern.compile("(0|[1-9][0-9]{0,18})\\.(0|[1-9][0-9]{0,18})");

    public LogPosition {
        if (txId < 0 || position < 0) {
            throw new IllegalArgumentException("A log position is never negative: " + txId + "." + position);
        }
    }

    @Override
    public int compareTo(LogPosition other) {
        int byTx = Long.compare(txId, other.txId);
        return byTx != 0 ? byTx : Long.compare(position, other.position);
    }

    /** True if a reader that has reached this position has also seen {@code event}. */
    public boolean covers(LogPosition event) {
        return event.compareTo(this) <= 0;
    }

    /** The opaque form given to callers; {@link #parse} reads it back. */
    public String token() {
        return txId + "." + position;
    }

    /**
     * Reads a {@link #token()}.
     *
     * @throws IllegalArgumentException if {@code token} is null or not a token
     */
    public static LogPosition parse(String token) {
        if (token == null) {
            throw new IllegalArgumentException("A position token is required");
        }
        Matcher m = TOKEN.matcher(token);
        if (!m.matches()) {
            throw new IllegalArgumentException("Not a position token: '" + abbreviate(token) + "'");
        }
        try {
            return new LogPosition(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Not a position token (out of range): '" + abbreviate(token) + "'", e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "…";
    }

    @Override
    public String toString() {
        return "LogPosition[" + token() + "]";
    }
}
