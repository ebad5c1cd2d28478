package io.projhub.server.definitions;

import io.projhub.definitions.DefinedReadModel;

/**
 * Whether a build that has caught up (a new version, or an admin rebuild) may become the one queries read. The hub's
 * is the drift audit: a clean version audit of the build first ({@code io.projhub.server.audit.AuditedCutover}).
 */
@FunctionalInterface
public interface CutoverCheck {

    /** Switch as soon as the build has caught up. */
    CutoverCheck NONE = (lane, build) -> Verdict.PASS;

    enum Verdict {
        /** Switch now. */
        PASS,
        /** Not yet: asked again on the next round (about a second later). */
        WAIT
    }

    /**
     * Asked on every round of the version switcher for a build that has caught up; must answer quickly (start work,
     * don't wait for it).
     *
     * @param lane the build's lane ({@code <name>~v<version>r<generation>})
     */
    Verdict verdict(String lane, DefinedReadModel build);
}
