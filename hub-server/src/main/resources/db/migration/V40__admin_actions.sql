-- Every request to /api/admin/** that reached the hub's security: who (principal and how they signed in), what
-- (method, path and a readable action), when, from where, and its outcome (the HTTP status; refusals included).
create table if not exists admin_actions (
    id             bigserial   primary key,
    at             timestamptz not null default now(),
    principal      text        not null,
    via            text,
    method         text        not null,
    path           text        not null,
    action         text        not null,
    remote_address text        not null,
    outcome        int         not null,
    detail         text
);
