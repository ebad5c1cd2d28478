-- CHECKPOINT_NOT_IN_LOG (issue 14): a read model's store says it applied an event the log does not hold.
alter table alerts drop constraint alerts_kind_check;
alter table alerts add constraint alerts_kind_check
    check (kind in ('STREAM_BEHIND', 'LANE_STALLED', 'FRONTIER_PINNED', 'DEAD_LETTERS', 'POLLER_HEARTBEAT',
                    'CHECKPOINT_NOT_IN_LOG'));
