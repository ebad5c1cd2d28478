-- Which build of each read-model version queries read (live) and which one an admin rebuild is building beside it
-- (generation 0 is a version's first build; each rebuild builds the next under physical names of its own). Kept
-- here so that a restarted hub reads the build it switched to and resumes a rebuild it had not finished.
create table if not exists read_model_builds (
    name       text        not null,
    version    int         not null,
    live       int         not null default 0,
    building   int,
    updated_at timestamptz not null default now(),
    primary key (name, version)
);
