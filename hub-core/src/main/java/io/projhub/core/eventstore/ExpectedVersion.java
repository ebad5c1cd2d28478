package io.projhub.core.eventstore;

/**
 * What an append expects of its stream's current version. Stream versions start at 1, so a stream without events
 * is at version 0.
 */
public sealed interface ExpectedVersion permits ExpectedVersion.Exact, ExpectedVersion.NoStream, ExpectedVersion.Any {

    /** The stream must not exist yet. */
    NoStream NO_STREAM = new NoStream();

    /** Any version, including none; the events go after whatever is there. */
    Any ANY = new Any();

    /** The stream must be at exactly {@code version}; 0 means the same as {@link #NO_STREAM}. */
    static ExpectedVersion exact(long version) {
        return version == 0 ? NO_STREAM : new Exact(version);
    }

    /** True if a stream at {@code currentVersion} satisfies this expectation. */
    boolean matches(long currentVersion);

    /** The stream must be at exactly {@code version}. */
    record Exact(long version) implements ExpectedVersion {
        public Exact {
            if (version < 0) {
                throw new IllegalArgumentException("An expected version is never negative: " + version);
            }
        }

        @Override
        public boolean matches(long currentVersion) {
            return currentVersion == version;
        }

        @Override
        public String toString() {
            return "version " + version;
        }
    }

    /** The stream must have no events. */
    record NoStream() implements ExpectedVersion {
        @Override
        public boolean matches(long currentVersion) {
            return currentVersion == 0;
        }

        @Override
        public String toString() {
            return "no stream";
        }
    }

    /** No expectation. */
    record Any() implements ExpectedVersion {
        @Override
        public boolean matches(long currentVersion) {
            return true;
        }

        @Override
        public String toString() {
            return "any version";
        }
    }
}
