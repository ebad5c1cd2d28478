-- Snapshots: an aggregate's state at one version, so loading reads only the events after it.
-- snapshot_type names the state's shape (e.g. 'account/1'); a loader ignores shapes it does not know,
-- so changing an aggregate's state only needs a new type, never a rewrite of old snapshots.
create table snapshots (
    stream_id     text        not null,
    snapshot_type text        not null,
    version       bigint      not null check (version >= 1),
    state         jsonb       not null,
    created_at    timestamptz not null default now(),
    constraint snapshots_pk primary key (stream_id, snapshot_type, version)
);

-- The first answer to a command sent with an idempotency key. Written in the append's transaction, after its
-- events, so a key exists iff its events were committed; the primary key makes concurrent retries race safely.
create table idempotency_keys (
    idempotency_key     text        primary key,
    stream_id           text        not null,
    version             bigint      not null,
    tx_id               bigint      not null,
    position            bigint      not null,
    request_fingerprint text,
    created_at          timestamptz not null default now()
);
