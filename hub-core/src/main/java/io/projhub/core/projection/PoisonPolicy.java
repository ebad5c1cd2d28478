package io.projhub.core.projection;

/** What a lane does with an event that fails on its own every time. */
public enum PoisonPolicy {
    /** Put it in the dead-letter table and move on. */
    DEAD_LETTER_AND_CONTINUE,
    /** Put it in the dead-letter table and stop the lane before it, for a human to look at. */
    STOP
}
