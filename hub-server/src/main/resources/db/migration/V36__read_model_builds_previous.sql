-- The build a switch replaced (a rebuild's, or a previous version's), kept for projhub.read-models.keep-previous
-- after replaced_at. Its definition's text is kept with it: a restarted hub whose file now says something else can
-- still switch back to it, or drop its data once that time has passed.
create table if not exists read_model_previous (
    name        text        primary key,
    version     int         not null,
    generation  int         not null,
    definition  text        not null,
    replaced_at timestamptz not null
);
