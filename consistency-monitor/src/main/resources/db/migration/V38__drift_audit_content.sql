-- The drift audit's content part (issue 17): how many streams were asked for and compared by content.
alter table drift_audits add column sample int not null default 0;
alter table drift_audits add column content_checked bigint not null default 0;
