package io.projhub.projectors.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import javax.sql.DataSource;

import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.projection.ReadModelProbe;

/** Reads the relational view's checkpoint and a stream's applied version (a skipped one included) from its tables. */
public final class JdbcProbe implements ReadModelProbe {

    private static final String APPLIED_VERSION = """
            select coalesce(max(version), 0) from (
                select version from %1$s.orders where id = ?
                union all select version from %1$s.customers where id = ?
                union all select version from %1$s.accounts where id = ?
                union all select version from %1$s.skipped_versions where stream_id = ?
            ) v
            """;

    private final DataSource dataSource;
    private final RelationalSchema schema;

    public JdbcProbe(DataSource dataSource, RelationalSchema schema) {
        this.dataSource = dataSource;
        this.schema = schema;
    }

    @Override
    public String name() {
        return JdbcOrderProjector.NAME;
    }

    @Override
    public LogPosition checkpoint() throws SQLException {
        return JdbcOrderProjector.readCheckpoint(dataSource, schema);
    }

    @Override
    public long appliedVersion(String streamId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(schema.sql(APPLIED_VERSION))) {
            ps.setString(1, streamId);
            ps.setString(2, streamId);
            ps.setString(3, streamId);
            ps.setString(4, streamId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
