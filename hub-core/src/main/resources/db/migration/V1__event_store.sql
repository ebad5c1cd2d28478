-- The event store: one append-only log of every stream's events.
-- tx_id is the writing transaction (pg_current_xact_id()); the gap-safe reader orders by (tx_id, position)
-- and reads only below the oldest in-flight transaction, so no committed event is ever skipped.
create table events (
    position       bigint generated always as identity primary key,
    tx_id          xid8        not null default pg_current_xact_id(),
    stream_id      text        not null,
    stream_type    text        not null,
    version        bigint      not null check (version >= 1),
    event_type     text        not null,
    schema_version int         not null default 1 check (schema_version >= 1),
    data           jsonb       not null,
    metadata       jsonb       not null default '{}'::jsonb,
    recorded_at    timestamptz not null default clock_timestamp(),
    constraint events_stream_version_unique unique (stream_id, version)
);

create index events_tx_position_idx on events (tx_id, position);
