package io.projhub.server.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may run admin actions (rebuild, dead-letter replay, alert acknowledgement, reset): one user with HTTP Basic.
 * There is no default password: when none is configured the hub makes up a random one it never shows, which
 * locks the admin endpoints. {@code deploy/run.sh} generates one for local runs and prints it.
 */
@ConfigurationProperties("projhub.admin")
public record AdminProperties(@DefaultValue("admin") String user, @DefaultValue("") String password,
                              @DefaultValue("false") boolean protectReads) {

    @Override
    public String toString() {
        return "AdminProperties[user=" + user + ", password=" + (password.isEmpty() ? "<none>" : "<set>")
                + ", protectReads=" + protectReads + "]";
    }
}
