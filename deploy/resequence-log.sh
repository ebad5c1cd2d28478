#!/usr/bin/env bash
# Recovery after the event log was restored into another PostgreSQL cluster (pg_dump/pg_restore): the hub detects
# it at start, refuses to project (health DOWN, alert LOG_RESTORED, /api/lanes says why) and names this command.
#
#   1. stop the hub;   2. deploy/resequence-log.sh;   3. start the hub again.
#
# It gives every stored event the same low transaction id, so the log is ordered by position (each stream keeps its
# order; every later append sorts after), and first overwrites each read model's checkpoint in its store with the one
# that matches (some events may be applied again; the stores' per-stream version records make that harmless). Running
# it twice is safe. It uses the same PROJHUB_* settings as the hub (locally: .run/stores.env).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=${PROJHUB_RUN_DIR:-$ROOT/.run}
if [ -z "${PROJHUB_PG_URL:-}" ] && [ -f "$RUN/stores.env" ]; then
  # shellcheck source=/dev/null
  source "$RUN/stores.env"
fi
JAR=$ROOT/hub-server/target/hub-server.jar
if [ ! -f "$JAR" ]; then
  echo "building the hub (mvn -DskipTests install)..."
  (cd "$ROOT" && mvn -B -q -DskipTests install)
fi
exec java -Xmx256m ${PROJHUB_JAVA_OPTS:-} -jar "$JAR" --projhub.recovery=resequence-log \
  --projhub.projection.enabled=false --projhub.monitor.enabled=false --server.port=0 "$@"
