#!/usr/bin/env bash
# The fault runs of issue 8 (module bench, io.projhub.faults): each test drives a real hub process
# (hub-server/target/hub-server.jar) against the real stores and breaks something for real: SIGKILL of the hub
# during a stream, each read-model store stopped for 30 s, PostgreSQL restarted, poison events, 10,000+ hostile
# requests. Starts the stores (installing what is missing), builds, runs `mvn -B -pl bench verify -DskipFaults=false`
# (extra arguments go to Maven, e.g. -Dtest=PoisonFaultTest), then writes bench/FAULTS.md: the machine, the store
# versions and each test's measured figures (bench/target/faults/<Test>.md). Ends with the Surefire totals.
# `deploy/faults.sh --report` only writes bench/FAULTS.md again from the figures of the last run.
#
# The tests stop and start shared stores: run them when nothing else uses the stores' bench database. While a store
# is down by them /tmp/projhub-outage exists; they wait while /tmp/projhub-bench-running exists (a benchmark).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=${PROJHUB_RUN_DIR:-$ROOT/.run}

report_only=0
if [ "${1:-}" = --report ]; then report_only=1; shift; fi

"$ROOT/deploy/stores.sh" up || exit 1
# shellcheck source=/dev/null
source "$RUN/stores.env"

cd "$ROOT"
RUN_INFO=$ROOT/bench/target/faults/run.env   # when the figures were measured, and Maven's status then
if [ $report_only = 1 ]; then
  started=unknown finished=unknown status=unknown commit=unknown
  # shellcheck source=/dev/null
  [ -f "$RUN_INFO" ] && source "$RUN_INFO"
else
  mvn -B -q -DskipTests install || { echo "faults.sh: the build failed" >&2; exit 1; }
  rm -rf "$ROOT/bench/target/faults" "$ROOT/bench/target/hub-logs"
  started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  mvn -B -pl bench verify -DskipFaults=false "$@"
  status=$?
  finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  mkdir -p "$(dirname "$RUN_INFO")"
  commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null \
    || echo '+local-changes')"
  printf 'started=%s\nfinished=%s\nstatus=%s\ncommit=%s\n' "$started" "$finished" "$status" "$commit" >"$RUN_INFO"
fi

# ------------------------------------------------------------------------------------------- bench/FAULTS.md
pg_version=$(PGPASSWORD=$PROJHUB_PG_PASSWORD psql -h 127.0.0.1 -p "${PROJHUB_PG_PORT:-5432}" -U "$PROJHUB_PG_USER" \
  -d projhub_bench -qtAc 'show server_version' 2>/dev/null | head -n 1)
redis_version=$(redis-cli -u "$PROJHUB_REDIS_URL" info server 2>/dev/null | tr -d '\r' | sed -n 's/^redis_version://p')
es_version=$(curl -fsS "$PROJHUB_ES_URL/_nodes/_local?filter_path=nodes.*.version" 2>/dev/null \
  | sed -n 's/.*"version" *: *"\([^"]*\)".*/\1/p' | head -n 1)
neo4j_version=$(sed -n 's/^NEO4J_VERSION=//p' "$ROOT/deploy/stores.sh")
influx_version=$(curl -fsS -o /dev/null -D - "$PROJHUB_INFLUX_URL/ping" 2>/dev/null | tr -d '\r' \
  | sed -n 's/^[Xx]-[Ii]nflux[Dd][Bb]-[Vv]ersion: *//p')
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
memory=$(free -m 2>/dev/null | awk '/^Mem:/ {printf "%.1f GiB (%.1f GiB available when this was written)", $2/1024, $7/1024}')
java=$(java -version 2>&1 | head -n 1)
maven=$(mvn -B -v 2>/dev/null | head -n 1 | sed 's/\x1b\[[0-9;]*m//g')

{
  echo "# Fault runs"
  echo
  echo "Written by \`deploy/faults.sh\` (tests in \`bench/src/test/java/io/projhub/faults\`). Each test starts the real hub"
  echo "(\`hub-server/target/hub-server.jar\`, -Xmx256m) as its own process against the real stores, in the bench database,"
  echo "Redis database 2, bucket \`projhub_bench\` and namespace \`bench-\`, which it wipes first."
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| run | $started → $finished, Maven exit status $status |"
  echo "| commit | $commit |"
  echo "| machine | $(nproc) cores${cpu:+ ($cpu)}, ${memory:-memory unknown}, $(uname -sr) |"
  echo "| load average when this was written | $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) |"
  echo "| java | ${java:-unknown} |"
  echo "| maven | ${maven:-unknown} |"
  echo "| PostgreSQL | ${pg_version:-unknown} |"
  echo "| Redis | ${redis_version:-unknown} |"
  echo "| Elasticsearch | ${es_version:-unknown} |"
  echo "| Neo4j | ${neo4j_version:-unknown} |"
  echo "| InfluxDB | ${influx_version:-unknown} (behind the local nginx front for /api/v2/write) |"
  echo
  shopt -s nullglob
  sections=()
  for name in HubKillFaultTest StoreOutageFaultTest RedisLongOutageFaultTest PostgresRestartFaultTest PoisonFaultTest HostileInputFaultTest; do
    [ -f "$ROOT/bench/target/faults/$name.md" ] && sections+=("$ROOT/bench/target/faults/$name.md")
  done
  for file in "$ROOT"/bench/target/faults/*.md; do
    case " ${sections[*]} " in *" $file "*) ;; *) sections+=("$file") ;; esac
  done
  if [ ${#sections[@]} -eq 0 ]; then
    echo "No fault test wrote its figures (see the Maven output above)."
  fi
  for file in "${sections[@]}"; do
    cat "$file"
    echo
  done
  echo "Hub logs of this run: \`bench/target/hub-logs/<test>/\` (one file per hub start)."
} >"$ROOT/bench/FAULTS.md"
echo "faults.sh: figures written to bench/FAULTS.md"

"$ROOT/deploy/surefire-summary.sh" "$ROOT"
[ $report_only = 1 ] && exit 0
exit $status
