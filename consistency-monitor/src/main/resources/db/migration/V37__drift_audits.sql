-- The drift audit (issue 17): each audit of a read model against the log, its figures and its first differences.
alter table alerts drop constraint alerts_kind_check;
alter table alerts add constraint alerts_kind_check
    check (kind in ('STREAM_BEHIND', 'LANE_STALLED', 'FRONTIER_PINNED', 'DEAD_LETTERS', 'POLLER_HEARTBEAT',
                    'CHECKPOINT_NOT_IN_LOG', 'LOG_RESTORED', 'DRIFT'));

create table drift_audits (
    id              bigint generated always as identity primary key,
    read_model      text        not null,
    state           text        not null check (state in ('RUNNING', 'DONE', 'FAILED')),
    trigger         text        not null,
    requested_by    text,
    started_at      timestamptz not null default now(),
    ended_at        timestamptz,
    up_to           text,
    streams_checked bigint      not null default 0,
    counts          jsonb       not null default '{}'::jsonb,
    differences     jsonb       not null default '[]'::jsonb,
    repaired        bigint      not null default 0,
    unrepaired      bigint      not null default 0,
    error           text,
    updated_at      timestamptz not null default now()
);

-- One running audit per read model, whichever hub instance runs it.
create unique index drift_audits_one_running on drift_audits (read_model) where state = 'RUNNING';
create index drift_audits_read_model on drift_audits (read_model, id desc);
