-- Which PostgreSQL cluster the log lives in (pg_control_system().system_identifier), recorded at the first start of
-- a subscriber. A pg_dump/pg_restore (or any copy) into another cluster restores this row with the old identifier:
-- the hub then knows its transaction ids are another cluster's and refuses to project until the log is re-sequenced.
create table if not exists log_origin (
    id                 int         primary key default 1 check (id = 1),
    system_identifier  bigint      not null,
    recorded_at        timestamptz not null default now()
);
