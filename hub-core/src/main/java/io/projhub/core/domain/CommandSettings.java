package io.projhub.core.domain;

/**
 * How command handlers behave: how many times a command is decided again after losing a race for its stream's
 * version, and after how many events since the last snapshot loading an aggregate saves a new one (0: never).
 */
public record CommandSettings(int maxConflictRetries, int snapshotEvery) {

    public static final CommandSettings DEFAULTS = new CommandSettings(3, 50);

    public CommandSettings {
        if (maxConflictRetries < 0 || maxConflictRetries > 100) {
            throw new IllegalArgumentException("maxConflictRetries must be within 0..100: " + maxConflictRetries);
        }
        if (snapshotEvery < 0) {
            throw new IllegalArgumentException("snapshotEvery must be 0 (never) or more: " + snapshotEvery);
        }
    }
}
