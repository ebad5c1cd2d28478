package io.projhub.server.security;

import java.util.Locale;
import java.util.Optional;

/**
 * What a caller may do. {@code WRITER}: commands and appends. {@code READER}: queries, lanes, consistency, alerts,
 * dashboard data, metrics. {@code ADMIN}: rebuilds, replays, skips, definition reloads, audits, drops and the admin
 * action log; an admin is also a reader ({@link SecurityConfiguration#roleHierarchy()}), never a writer.
 */
public enum Role {
    WRITER, READER, ADMIN;

    /** The Spring Security authority of this role. */
    public String authority() {
        return "ROLE_" + name();
    }

    /** The role a name stands for, in any case ({@code admin}, {@code Admin}, {@code ROLE_ADMIN}); empty if none. */
    public static Optional<Role> named(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String upper = name.trim().toUpperCase(Locale.ROOT);
        if (upper.startsWith("ROLE_")) {
            upper = upper.substring("ROLE_".length());
        }
        for (Role role : values()) {
            if (role.name().equals(upper)) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}
