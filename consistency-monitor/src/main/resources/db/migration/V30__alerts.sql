-- The consistency monitor's alerts and their notification outbox.
--
-- An alert is FIRING until the condition behind it clears, then RESOLVED for good; a later occurrence of the
-- same condition is a new row. At most one FIRING alert per key (the partial unique index), so raising is
-- idempotent across monitor instances: insert ... on conflict (alert_key) where status = 'FIRING'.
create table alerts (
    id               bigint generated always as identity primary key,
    alert_key        text        not null,
    kind             text        not null check (kind in ('STREAM_BEHIND', 'LANE_STALLED', 'FRONTIER_PINNED',
                                                          'DEAD_LETTERS', 'POLLER_HEARTBEAT')),
    read_model       text,
    stream_id        text,
    expected_version bigint,
    severity         text        not null check (severity in ('CRITICAL', 'ERROR', 'WARNING', 'INFO')),
    status           text        not null check (status in ('FIRING', 'RESOLVED')),
    summary          text        not null,
    details          jsonb       not null default '{}'::jsonb,
    fired_at         timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    last_notified_at timestamptz not null default now(),
    notifications    int         not null default 1,
    acked_at         timestamptz,
    acked_by         text,
    resolved_at      timestamptz,
    resolution       text,
    constraint alerts_resolved_has_time check ((status = 'RESOLVED') = (resolved_at is not null))
);

create unique index alerts_one_firing_per_key on alerts (alert_key) where status = 'FIRING';
create index alerts_by_status_and_time on alerts (status, fired_at desc);

-- One row per (alert transition, configured notifier), written in the transaction that changed the alert, so a
-- notification exists iff its transition committed. The dispatcher claims due rows with "for update skip
-- locked", marks them SENDING with a lease (a crashed sender's rows are claimed again once the lease ran out),
-- and ends them SENT or, after its attempts or on a permanent refusal, FAILED.
create table alert_outbox (
    id              bigint generated always as identity primary key,
    alert_id        bigint      not null references alerts (id),
    notifier        text        not null,
    transition      text        not null check (transition in ('FIRING', 'RENOTIFY', 'RESOLVED')),
    payload         jsonb       not null,
    status          text        not null default 'PENDING' check (status in ('PENDING', 'SENDING', 'SENT', 'FAILED')),
    attempts        int         not null default 0,
    next_attempt_at timestamptz not null default now(),
    lease_until     timestamptz,
    last_error      text,
    created_at      timestamptz not null default now(),
    sent_at         timestamptz
);

create index alert_outbox_due on alert_outbox (next_attempt_at) where status in ('PENDING', 'SENDING');
create index alert_outbox_by_alert on alert_outbox (alert_id, notifier, id);
