#!/usr/bin/env bash
# Check (run by .ci/run): a checkout the store service users cannot read still brings its stores up.
#
# Clones this repository (its committed HEAD) into a fresh `mktemp -d` folder (mode 700, like root's home), then runs
# that clone's `deploy/stores.sh up postgres elasticsearch` on ports of its own (PROJHUB_*_PORT, free ports chosen
# here, so a server already running on the usual ports cannot make it pass), and asserts:
#   - <clone>/.run links to /var/lib/projhub/<hash>, a folder the service users can reach;
#   - PostgreSQL's data_directory and Elasticsearch's path.data / path.logs lie under that resolved folder;
#   - no running process's arguments name the clone (every store got the resolved folder, not the link);
#   - `stores.sh status` reports both as ours; `down` stops them.
# Everything it started is stopped and its folders removed, whatever the outcome. Needs root (as the scripts do).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Commands below run as the service users: from a working directory they can enter (this checkout may be private).
cd /

failures=0
check() { # check <description> <command...>
  local what=$1; shift
  if "$@"; then printf 'ok    %s\n' "$what"; else printf 'FAIL  %s\n' "$what"; failures=$((failures + 1)); fi
}
say() { printf '%s\n' "$*"; }

[ "$(id -u)" = 0 ] || { say "private-checkout.sh: needs root (the store scripts create service users)" >&2; exit 1; }
command -v git >/dev/null || { say "private-checkout.sh: git is missing" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { # free_port <start>: the first port from <start> on that nothing listens on
  local p=$1
  while port_open "$p"; do p=$((p + 1)); done
  printf '%s' "$p"
}

TMP=$(mktemp -d)   # mode 700: the postgres and elastic users cannot enter it
CLONE=$TMP/hub
RESOLVED=""
cleanup() {
  if [ -x "$CLONE/deploy/stores.sh" ]; then
    "$CLONE/deploy/stores.sh" down postgres elasticsearch >/dev/null 2>&1 || true
  fi
  [ -n "$RESOLVED" ] && [ "${RESOLVED#/var/lib/projhub/}" != "$RESOLVED" ] && rm -rf "$RESOLVED"
  rm -rf "$TMP"
}
trap cleanup EXIT

git clone -q "$ROOT" "$CLONE" || { say "private-checkout.sh: git clone failed" >&2; exit 1; }
# The clone shares the Elasticsearch download already in Maven's local repository; nothing else is reused.
unset PROJHUB_RUN_DIR
export PROJHUB_PG_PORT=$(free_port 25432)
export PROJHUB_ES_PORT=$(free_port 29200)
export PROJHUB_ES_TRANSPORT_PORT=$(free_port 29300)
say "clone: $CLONE (mode $(stat -c %a "$TMP") parent); ports: postgres $PROJHUB_PG_PORT, elasticsearch $PROJHUB_ES_PORT/$PROJHUB_ES_TRANSPORT_PORT"

# Where the run folder must end up; known before `up`, so a failed start is cleaned up too.
RESOLVED=/var/lib/projhub/$(printf '%s' "$CLONE" | sha1sum | cut -c1-12)
started=$(date +%s)
if ! "$CLONE/deploy/stores.sh" up postgres elasticsearch; then
  say "FAIL  stores.sh up from the private checkout failed"
  exit 1
fi
say "both up in $(( $(date +%s) - started )) s"

check "the checkout is not readable by the postgres user" bash -c "! runuser -u postgres -- test -x '$CLONE'"
check ".run is a link" test -L "$CLONE/.run"
RESOLVED=$(readlink -f "$CLONE/.run")
expected=/var/lib/projhub/$(printf '%s' "$CLONE" | sha1sum | cut -c1-12)
say "resolved run folder: $RESOLVED"
check ".run links to /var/lib/projhub/<hash of the checkout path>" test "$RESOLVED" = "$expected"
check "the postgres user reaches the resolved folder" runuser -u postgres -- test -x "$RESOLVED/pg"

data_dir=$(runuser -u postgres -- psql -h "$RESOLVED/pg-sock" -p "$PROJHUB_PG_PORT" -U postgres -qtAc 'show data_directory' 2>&1)
say "postgres data_directory: $data_dir"
check "postgres data lie under the resolved folder" test "$data_dir" = "$RESOLVED/pg"

es_paths=$(curl -fsS "http://127.0.0.1:$PROJHUB_ES_PORT/_nodes/_local/settings?filter_path=nodes.*.settings.path" 2>&1)
say "elasticsearch paths: $es_paths"
# path.data is a string, or a list of one, depending on the version
check "elasticsearch path.data lies under the resolved folder" grep -qE "\"data\":\\[?\"$RESOLVED/es/data\"" <<<"$es_paths"
check "elasticsearch path.logs lies under the resolved folder" grep -q "\"logs\":\"$RESOLVED/es/logs\"" <<<"$es_paths"
check "elasticsearch path.home lies under the resolved folder" grep -q "\"home\":\"$RESOLVED/" <<<"$es_paths"

naming=$(ps -eo pid=,args= | grep -F -- "$CLONE" | grep -v -e grep -e private-checkout.sh)
[ -n "$naming" ] && say "processes naming the checkout:" && say "$naming"
check "no running process's arguments name the checkout" test -z "$naming"
pg_pid=$(head -n 1 "$RESOLVED/pg/postmaster.pid" 2>/dev/null)
es_pid=$(cat "$RESOLVED/pids/elasticsearch.pid" 2>/dev/null)
check "postgres runs from the resolved folder" grep -qF -- "$RESOLVED/pg" "/proc/$pg_pid/cmdline"
check "elasticsearch runs from the resolved folder" grep -qF -- "$RESOLVED/" "/proc/$es_pid/cmdline"

status=$("$CLONE/deploy/stores.sh" status postgres elasticsearch)
say "$status"
check "status reports postgres as ours" grep -q '^postgres *up (ours)' <<<"$status"
check "status reports elasticsearch as ours" grep -q '^elasticsearch *up (ours)' <<<"$status"

"$CLONE/deploy/stores.sh" down postgres elasticsearch
check "postgres is down after down" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$PROJHUB_PG_PORT) 2>/dev/null"
check "elasticsearch is down after down" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$PROJHUB_ES_PORT) 2>/dev/null"

if [ $failures -gt 0 ]; then say "private-checkout.sh: $failures check(s) failed"; exit 1; fi
say "private-checkout.sh: all checks passed"
