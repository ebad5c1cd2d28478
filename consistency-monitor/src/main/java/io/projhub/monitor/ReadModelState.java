package io.projhub.monitor;

/**
 * A read model's state as the monitor reports it: its lane's state when the subscriber knows the lane,
 * {@code UNREACHABLE} when its probe failed at the last measurement (overrides the lane), else {@code UNKNOWN}.
 */
public enum ReadModelState {
    LIVE, CATCHING_UP, RETRYING, STOPPED, UNREACHABLE, UNKNOWN
}
