#!/usr/bin/env bash
# Runs the hub with every store: starts (installing if missing) the five stores, builds, and runs the hub
# on port 8080 (PROJHUB_HTTP_PORT) in the foreground. Ctrl-C stops the hub; the stores keep running
# (deploy/stores.sh down stops them).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=${PROJHUB_RUN_DIR:-$ROOT/.run}
PORT=${PROJHUB_HTTP_PORT:-8080}

"$ROOT/deploy/stores.sh" up
# shellcheck source=/dev/null
source "$RUN/stores.env"

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "run.sh: port $PORT is already in use (a hub already running?). Stop it or set PROJHUB_HTTP_PORT." >&2
  exit 1
fi

# The admin login (HTTP Basic, role admin) needs a password; there is no default. Locally one is generated once and
# kept in the run folder. Admin API keys (below) do the same.
if [ -z "${PROJHUB_ADMIN_PASSWORD:-}" ]; then
  if [ ! -s "$RUN/admin-password" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=\n' >"$RUN/admin-password")
  fi
  PROJHUB_ADMIN_PASSWORD=$(cat "$RUN/admin-password")
  export PROJHUB_ADMIN_PASSWORD
  echo "admin user: ${PROJHUB_ADMIN_USER:-admin}   password: $PROJHUB_ADMIN_PASSWORD   (kept in $RUN/admin-password)"
fi

# API keys: one per role, made once; the keys (plaintext) stay in the run folder, readable by you only, and the hub
# gets only their hashes (in $PROJHUB_API_KEYS_FILE, re-read when it changes). The dashboard signs in with the reader
# or the admin key.
export PROJHUB_API_KEYS_FILE=${PROJHUB_API_KEYS_FILE:-$RUN/api-keys}
for role in writer reader admin; do
  if [ ! -s "$RUN/api-key-$role" ]; then
    (umask 077; "$ROOT/deploy/api-key.sh" "$role" "local-$role" >"$RUN/api-key-$role") || { rm -f "$RUN/api-key-$role"; exit 1; }
  fi
  key=$(cat "$RUN/api-key-$role")
  # A keys file deleted or replaced since: put this key's line back.
  if ! grep -qs "$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)" "$PROJHUB_API_KEYS_FILE"; then
    id=${key#phk_}; id=${id%%_*}
    (umask 077; echo "$id $role $(printf '%s' "$key" | sha256sum | cut -d' ' -f1) local-$role" >>"$PROJHUB_API_KEYS_FILE")
  fi
  echo "$role API key: $key   (kept in $RUN/api-key-$role)"
done

echo "building the hub (mvn -DskipTests install)..."
(cd "$ROOT" && mvn -B -q -DskipTests install)

echo "starting the hub on http://localhost:$PORT  (health: /actuator/health, metrics: /actuator/prometheus, API docs: /v3/api-docs)"
cd "$ROOT"
# Heap and collector as the bench measured best (bench/COMPARISON.md, session 9): the lanes keep batches and reads
# ahead alive for a second or two, so a young generation of half the heap lets them die young; ParallelGC collects it
# on both cores. PROJHUB_JAVA_OPTS comes after, so it wins: another collector needs -XX:-UseParallelGC with it
# (e.g. "-XX:-UseParallelGC -XX:+UseG1GC"), and another heap its -Xms and -Xmn too (e.g. "-Xms512m -Xmx512m -Xmn256m").
exec java -Xms256m -Xmx256m -Xmn128m -XX:+UseParallelGC ${PROJHUB_JAVA_OPTS:-} -jar hub-server/target/hub-server.jar
