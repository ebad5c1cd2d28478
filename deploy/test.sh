#!/usr/bin/env bash
# Runs the whole test suite against the real stores: starts (installing if missing) the five stores,
# then `mvn -B verify`. Extra arguments go to Maven. Ends with the Surefire totals of every module.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=${PROJHUB_RUN_DIR:-$ROOT/.run}

"$ROOT/deploy/stores.sh" up || exit 1

# Tools some tests drive for real: promtool checks the shipped alert rules, a real Alertmanager receives the hub's
# alerts, headless Chromium opens the dashboard.
missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ -x /usr/bin/prometheus-alertmanager ] || missing+=(prometheus-alertmanager)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing test tools: ${missing[*]}"
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    >"$RUN/logs/apt-test-tools.log" 2>&1 || { echo "test.sh: installing ${missing[*]} failed, see $RUN/logs/apt-test-tools.log" >&2; exit 1; }
fi
# shellcheck source=/dev/null
source "$RUN/stores.env"

cd "$ROOT"
mvn -B verify "$@"
status=$?
"$ROOT/deploy/surefire-summary.sh" "$ROOT"
exit $status
