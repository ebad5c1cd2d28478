-- Events a projection lane could not apply after its attempts. One row per (lane, event); a failed replay
-- puts the row back to PENDING with the new error. The event itself stays in the log, unchanged.
create table projection_dead_letters (
    id          bigint generated always as identity primary key,
    lane        text        not null,
    tx_id       bigint      not null,
    position    bigint      not null,
    stream_id   text        not null,
    version     bigint      not null,
    event_type  text        not null,
    error       text        not null,
    stack_trace text        not null,
    attempts    int         not null,
    status      text        not null default 'PENDING' check (status in ('PENDING', 'REPLAYED')),
    created_at  timestamptz not null default now(),
    replayed_at timestamptz,
    constraint projection_dead_letters_lane_position_unique unique (lane, position)
);

create index projection_dead_letters_pending_idx on projection_dead_letters (lane) where status = 'PENDING';
