-- Whether the admin asked an audit to remove extra version records (issue 17).
alter table drift_audits add column remove_extras boolean not null default false;
