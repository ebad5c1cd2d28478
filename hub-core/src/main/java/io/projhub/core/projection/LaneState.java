package io.projhub.core.projection;

/** What a projection lane is doing. */
public enum LaneState {
    /** Caught up with the log, fed by the shared poller. */
    LIVE,
    /** Behind the shared poller, reading the log on its own from its checkpoint. */
    CATCHING_UP,
    /** Its store failed; retrying with backoff. */
    RETRYING,
    /** Not running: shut down, or stopped on a poison event ({@code on-poison: stop}). */
    STOPPED
}
