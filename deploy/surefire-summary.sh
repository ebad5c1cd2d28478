#!/usr/bin/env bash
# Prints the Surefire totals of every module under the given folder (default: the repository), per module
# and in all, from target/surefire-reports/TEST-*.xml.
ROOT=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
shopt -s nullglob
grand_tests=0 grand_fail=0 grand_err=0 grand_skip=0
echo ""
echo "Surefire summary"
for dir in "$ROOT"/*/target/surefire-reports; do
  module=$(basename "$(dirname "$(dirname "$dir")")")
  t=0 f=0 e=0 s=0
  for report in "$dir"/TEST-*.xml; do
    head=$(grep -m1 -o '<testsuite [^>]*>' "$report")
    attr() { printf '%s' "$head" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
    t=$((t + $(attr tests))); f=$((f + $(attr failures))); e=$((e + $(attr errors))); s=$((s + $(attr skipped)))
  done
  printf '  %-22s Tests run: %d, Failures: %d, Errors: %d, Skipped: %d\n' "$module" $t $f $e $s
  grand_tests=$((grand_tests + t)); grand_fail=$((grand_fail + f)); grand_err=$((grand_err + e)); grand_skip=$((grand_skip + s))
done
printf 'Tests run: %d, Failures: %d, Errors: %d, Skipped: %d\n' $grand_tests $grand_fail $grand_err $grand_skip
