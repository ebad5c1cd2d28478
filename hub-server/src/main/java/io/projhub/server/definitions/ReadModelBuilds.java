package io.projhub.server.definitions;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.OptionalInt;

import javax.sql.DataSource;

/**
 * Which build (generation) of each read-model version is live, and which one a rebuild is building, in the event
 * store's database ({@code read_model_builds}, created by Flyway): a restarted hub reads the build it had switched to
 * and resumes an unfinished rebuild. Rows are keyed by the hub's namespace and the read model's name.
 */
public final class ReadModelBuilds {

    /** The live and building generations of one version (0 and none when nothing was recorded). */
    public record Builds(int live, OptionalInt building) {
        static final Builds FIRST = new Builds(0, OptionalInt.empty());
    }

    private final DataSource dataSource;
    private final String namespace;

    public ReadModelBuilds(DataSource dataSource, String namespace) {
        this.dataSource = dataSource;
        this.namespace = namespace == null ? "" : namespace;
    }

    public Builds of(String name, int version) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "select live, building from read_model_builds where name = ? and version = ?")) {
            ps.setString(1, namespace + name);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Builds.FIRST;
                }
                int live = rs.getInt(1);
                int building = rs.getInt(2);
                return new Builds(live, rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(building));
            }
        }
    }

    /** Records that {@code generation} of the version is building beside the live one. */
    public void building(String name, int version, int generation) throws SQLException {
        upsert(name, version, "insert into read_model_builds (name, version, building) values (?, ?, ?) "
                + "on conflict (name, version) do update set building = excluded.building, updated_at = now()",
                generation);
    }

    /** Records that {@code generation} of the version is live (and nothing of it is building). */
    public void live(String name, int version, int generation) throws SQLException {
        upsert(name, version, "insert into read_model_builds (name, version, live) values (?, ?, ?) "
                + "on conflict (name, version) do update set live = excluded.live, building = null, "
                + "updated_at = now()", generation);
    }

    /** Records that no build of the version is building any longer (it was abandoned). */
    public void notBuilding(String name, int version) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("update read_model_builds set building = null, "
                     + "updated_at = now() where name = ? and version = ?")) {
            ps.setString(1, namespace + name);
            ps.setInt(2, version);
            ps.executeUpdate();
        }
    }

    private void upsert(String name, int version, String sql, int generation) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, namespace + name);
            ps.setInt(2, version);
            ps.setInt(3, generation);
            ps.executeUpdate();
        }
    }
}
