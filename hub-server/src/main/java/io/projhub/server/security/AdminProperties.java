package io.projhub.server.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The one admin login (HTTP Basic), kept beside API keys and JWTs so scripts and the password {@code deploy/run.sh}
 * prints keep working; it has the {@link Role#ADMIN} role. There is no default password: when none is configured
 * the hub makes up a random one it never shows, which locks this login (admin API keys still work).
 */
@ConfigurationProperties("projhub.admin")
public record AdminProperties(@DefaultValue("admin") String user, @DefaultValue("") String password) {

    @Override
    public String toString() {
        return "AdminProperties[user=" + user + ", password=" + (password.isEmpty() ? "<none>" : "<set>") + "]";
    }
}
