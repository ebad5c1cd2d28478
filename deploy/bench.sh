#!/usr/bin/env bash
# The benchmark: starts (installing if missing) the five stores, builds the hub, then runs io.projhub.bench.BenchMain,
# which drives a real hub process and the stores and writes bench/RESULTS.md. Options go to BenchMain, e.g.
#   deploy/bench.sh --events=50000      (default 200000; see BenchMain for the others)
# It wipes the bench's own data (database projhub_bench, Redis db 2, bucket projhub_bench, namespace bench-) and
# the whole Neo4j graph. Do not run it beside the test suite: they share the stores and the cores.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=${PROJHUB_RUN_DIR:-$ROOT/.run}

"$ROOT/deploy/stores.sh" up
# shellcheck source=/dev/null
source "$RUN/stores.env"

cd "$ROOT"
echo "building (mvn -DskipTests install)..."
mvn -B -q -DskipTests install
mvn -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$ROOT/bench/target/classpath.txt" >/dev/null

touch /tmp/projhub-bench-running
trap 'rm -f /tmp/projhub-bench-running' EXIT
while [ -e /tmp/projhub-outage ]; do echo "waiting: a fault run has a store down (/tmp/projhub-outage)"; sleep 5; done
java -Xmx1g -XX:+UseParallelGC -Dprojhub.root="$ROOT" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")" io.projhub.bench.BenchMain "$@"
