#!/usr/bin/env bash
# Runs the whole test suite against the real stores: starts (installing if missing) the five stores,
# then `mvn -B verify`. Extra arguments go to Maven. Ends with the Surefire totals of every module.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=${PROJHUB_RUN_DIR:-$ROOT/.run}

"$ROOT/deploy/stores.sh" up || exit 1
# shellcheck source=/dev/null
source "$RUN/stores.env"

cd "$ROOT"
mvn -B verify "$@"
status=$?
"$ROOT/deploy/surefire-summary.sh" "$ROOT"
exit $status
