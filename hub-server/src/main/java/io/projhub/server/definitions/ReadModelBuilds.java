package io.projhub.server.definitions;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
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

    /** The build a switch replaced: its version, generation, definition text, and when it was replaced. */
    public record Replaced(int version, int generation, String definition, Instant replacedAt) {
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

    /** Records the build a switch of {@code name} replaced (one per read model: the one switch-back goes to). */
    public void replaced(String name, Replaced replaced) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("insert into read_model_previous "
                     + "(name, version, generation, definition, replaced_at) values (?, ?, ?, ?, ?) "
                     + "on conflict (name) do update set version = excluded.version, "
                     + "generation = excluded.generation, definition = excluded.definition, "
                     + "replaced_at = excluded.replaced_at")) {
            ps.setString(1, namespace + name);
            ps.setInt(2, replaced.version());
            ps.setInt(3, replaced.generation());
            ps.setString(4, replaced.definition());
            ps.setTimestamp(5, Timestamp.from(replaced.replacedAt()));
            ps.executeUpdate();
        }
    }

    /** The build a switch of {@code name} replaced and that is still kept, if any. */
    public Optional<Replaced> replaced(String name) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select version, generation, definition, replaced_at "
                     + "from read_model_previous where name = ?")) {
            ps.setString(1, namespace + name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Replaced(rs.getInt(1), rs.getInt(2), rs.getString(3),
                        rs.getTimestamp(4).toInstant())) : Optional.empty();
            }
        }
    }

    /** Forgets the replaced build {@code generation} of {@code version} (dropped, or switched back to). */
    public void noPrevious(String name, int version, int generation) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("delete from read_model_previous "
                     + "where name = ? and version = ? and generation = ?")) {
            ps.setString(1, namespace + name);
            ps.setInt(2, version);
            ps.setInt(3, generation);
            ps.executeUpdate();
        }
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
