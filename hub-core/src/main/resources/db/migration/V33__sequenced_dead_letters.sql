-- Numbered after the monitor's V30-V32: a database already at V30 must take it in order (Flyway refuses a new
-- migration below the highest applied one). Idempotent, so a database that ran it under an earlier number takes it
-- again unharmed.
-- Sequenced dead letters (issue 14): once an event of a stream is dead-lettered on a lane, the later events of that
-- stream are parked behind it (status PARKED, parked_behind = the head's id) instead of being applied, so the store
-- never holds a stream's later state without its earlier event. A replay applies the head and then the parked
-- events in order; a skip (an admin action with a reason) records the head's version as applied and releases them.
alter table projection_dead_letters drop constraint if exists projection_dead_letters_status_check;
alter table projection_dead_letters add constraint projection_dead_letters_status_check
    check (status in ('PENDING', 'PARKED', 'REPLAYED', 'SKIPPED'));
alter table projection_dead_letters add column if not exists parked_behind bigint references projection_dead_letters (id);
alter table projection_dead_letters add column if not exists resolution text;
alter table projection_dead_letters add column if not exists resolved_by text;

drop index if exists projection_dead_letters_pending_idx;
create index if not exists projection_dead_letters_open_idx on projection_dead_letters (lane, stream_id, version)
    where status in ('PENDING', 'PARKED');
