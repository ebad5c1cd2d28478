package io.projhub.projectors.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

import javax.sql.DataSource;

/**
 * The relational view's tables, in their own schema (never the event store's): created on start, idempotently.
 * The schema name is an identifier, so it is checked against a strict pattern before it is used in SQL.
 * {@code skipped_versions} is not part of the view: it holds, per stream, the highest version an admin skipped, which
 * with the rows' versions makes the stream's version record.
 */
public final class RelationalSchema {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private static final String DDL = """
            create schema if not exists %1$s;
            create table if not exists %1$s.customers (
                id             text primary key,
                name           text        not null,
                email          text        not null,
                active         boolean     not null,
                registered_at  timestamptz not null,
                deactivated_at timestamptz,
                version        bigint      not null
            );
            create table if not exists %1$s.orders (
                id            text primary key,
                customer_id   text          not null,
                customer_name text          not null,
                status        text          not null,
                total_amount  numeric(19,4) not null,
                currency      char(3)       not null,
                created_at    timestamptz   not null,
                shipped_at    timestamptz,
                cancelled_at  timestamptz,
                cancel_reason text,
                version       bigint        not null
            );
            create index if not exists orders_customer_idx on %1$s.orders (customer_id);
            create table if not exists %1$s.order_items (
                order_id text          not null,
                line_no  int           not null,
                name     text          not null,
                price    numeric(19,4) not null,
                quantity int           not null,
                primary key (order_id, line_no)
            );
            create table if not exists %1$s.shipments (
                order_id           text primary key,
                tracking_number    text        not null,
                carrier            text        not null,
                shipped_at         timestamptz not null,
                processing_time_ms bigint      not null
            );
            create table if not exists %1$s.accounts (
                id         text primary key,
                balance    numeric(19,4) not null,
                currency   char(3)       not null,
                opened_at  timestamptz   not null,
                updated_at timestamptz   not null,
                version    bigint        not null
            );
            create table if not exists %1$s.skipped_versions (
                stream_id text   primary key,
                version   bigint not null
            );
            create table if not exists %1$s.checkpoints (
                name       text primary key,
                tx_id      bigint      not null,
                position   bigint      not null,
                updated_at timestamptz not null default now()
            );
            """;

    private final String schema;

    public RelationalSchema(String schema) {
        if (!IDENTIFIER.matcher(schema).matches()) {
            throw new IllegalArgumentException("schema: not a plain lower-case SQL identifier: '" + schema + "'");
        }
        this.schema = schema;
    }

    public String name() {
        return schema;
    }

    /** Creates the schema and its tables if missing; concurrent callers are serialised by an advisory lock. */
    public void create(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("select pg_advisory_xact_lock(hashtext('projhub-relational-schema'))");
            s.execute(DDL.formatted(schema));
            c.commit();
        }
    }

    /** Puts this schema's name into a statement written with {@code %1$s} for the schema. */
    String sql(String template) {
        return template.formatted(schema);
    }
}
