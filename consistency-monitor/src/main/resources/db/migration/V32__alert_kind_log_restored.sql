-- LOG_RESTORED (issue 14): the subscriber refuses to project a log restored into another PostgreSQL cluster.
alter table alerts drop constraint alerts_kind_check;
alter table alerts add constraint alerts_kind_check
    check (kind in ('STREAM_BEHIND', 'LANE_STALLED', 'FRONTIER_PINNED', 'DEAD_LETTERS', 'POLLER_HEARTBEAT',
                    'CHECKPOINT_NOT_IN_LOG', 'LOG_RESTORED'));
