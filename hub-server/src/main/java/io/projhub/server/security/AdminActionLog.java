package io.projhub.server.security;

import java.sql.Timestamp;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;

/** The admin action log in PostgreSQL ({@code admin_actions}, migration V40). */
public class AdminActionLog {

    private final JdbcClient jdbc;

    public AdminActionLog(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Records an action; {@code id} and {@code at} of the given record are ignored (the database assigns them). */
    public void record(AdminAction action) {
        jdbc.sql("""
                insert into admin_actions (principal, via, method, path, action, remote_address, outcome, detail)
                values (:principal, :via, :method, :path, :action, :remote, :outcome, :detail)
                """)
                .param("principal", action.principal())
                .param("via", action.via())
                .param("method", action.method())
                .param("path", action.path())
                .param("action", action.action())
                .param("remote", action.remoteAddress())
                .param("outcome", action.outcome())
                .param("detail", action.detail())
                .update();
    }

    /** The last {@code limit} actions, newest first. */
    public List<AdminAction> latest(int limit) {
        return jdbc.sql("""
                select id, at, principal, via, method, path, action, remote_address, outcome, detail
                  from admin_actions
                 order by id desc
                 limit :limit
                """)
                .param("limit", limit)
                .query((rs, row) -> new AdminAction(rs.getLong("id"), rs.getObject("at", Timestamp.class).toInstant(),
                        rs.getString("principal"), rs.getString("via"), rs.getString("method"), rs.getString("path"),
                        rs.getString("action"), rs.getString("remote_address"), rs.getInt("outcome"),
                        rs.getString("detail")))
                .list();
    }
}
