#!/usr/bin/env bash
# The whole test suite, as a new user and CI run it: `npm test`.
# Sets itself up (npm deps, build, chromium), then runs lint, the type-check/build and Vitest
# (which starts Redis/NATS itself when they are not running), and ends with one line:
#   N passed, N failed, N skipped
# DASHWIRE_TEST_REPORT=<file> keeps Vitest's JSON report there (scripts/soak-tests.sh reads it).
# A hang cannot stall it: the watchdog (scripts/watchdog/reporter.ts) names and kills a test stuck
# past DASHWIRE_TEST_WATCHDOG_S (300), and the whole Vitest run is bounded by
# DASHWIRE_TEST_TIMEOUT_MIN (60) minutes, well under CI's 90; each counts as a failure.
set -uo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h | --help)
    cat <<'USAGE'
usage: npm test [-- <vitest filters and options>]
  Sets itself up (npm dependencies, build, chromium, nginx, python3-websockets, prometheus when
  root), then runs the type-check, Biome lint and Vitest; ends with "N passed, N failed, N skipped".
  npm test -- packages/server        only the tests under packages/server
  npm test -- -t "doc-tests"         only tests whose name matches
  DASHWIRE_TEST_REPORT=<file>        keep Vitest's JSON report there
  DASHWIRE_TEST_WATCHDOG_S=300       a test running longer is named (WATCHDOG: …) and killed
  DASHWIRE_TEST_TIMEOUT_MIN=60       the whole Vitest run is killed after this many minutes
See also: npm run soak -- N (the whole suite N times, every failure counted).
USAGE
    exit 0
    ;;
esac

passed=0
failed=0
skipped=0
report=${DASHWIRE_TEST_REPORT:-$(mktemp -t dashwire-vitest-XXXXXX.json)}
: >"$report" # an old report must not stand in for a run that wrote none

if bash scripts/setup.sh --browser --nginx --python --prometheus && npx tsc -p tsconfig.test.json && npx tsc -p apps/dashboard/ui/tsconfig.json; then
  echo "build/type-check: ok"
  passed=$((passed + 1))
else
  echo "build/type-check: FAILED"
  failed=$((failed + 1))
fi

if npx biome check . >/tmp/dashwire-lint.log 2>&1; then
  echo "lint: ok"
  passed=$((passed + 1))
else
  cat /tmp/dashwire-lint.log | tail -40
  echo "lint: FAILED"
  failed=$((failed + 1))
fi

hangs=$(mktemp -t dashwire-watchdog-XXXXXX.log)
limit_min=${DASHWIRE_TEST_TIMEOUT_MIN:-60}
# timeout(1) puts itself in a process group of its own and at the limit signals the whole group
# (Vitest, its workers and what they started); KILL follows 30 s later if TERM is not enough.
# Being in its own group, it would miss a Ctrl-C: the trap passes one on to the group.
DASHWIRE_WATCHDOG_LOG="$hangs" timeout --kill-after=30s "${limit_min}m" \
  npx vitest run --reporter=default --reporter=./scripts/watchdog/reporter.ts \
  --reporter=json --outputFile.json="$report" "$@" &
vitest_job=$!
trap 'kill -TERM -- "-$vitest_job" 2>/dev/null' INT TERM
while :; do
  wait "$vitest_job"
  vitest_rc=$?
  kill -0 "$vitest_job" 2>/dev/null || break # wait was only interrupted by a signal
done
trap - INT TERM

f=0
if [ -s "$report" ]; then
  read -r p f s < <(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    // A file that failed to load counts as a failure even though it ran no test.
    const broken = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
    console.log(r.numPassedTests, r.numFailedTests + broken, r.numPendingTests + r.numTodoTests);
  ' "$report")
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
fi
timed_out=false
if [ "$vitest_rc" = 124 ] || [ "$vitest_rc" = 137 ]; then
  echo "vitest time limit: FAILED (the run had not ended after ${limit_min} min and was killed)"
  failed=$((failed + 1))
  timed_out=true
fi
if [ -s "$hangs" ]; then
  cat "$hangs" # each names a hung test; its file's other tests did not run
  failed=$((failed + $(wc -l <"$hangs")))
elif [ "$vitest_rc" != 0 ] && [ "$f" = 0 ] && [ "$timed_out" = false ]; then
  # Vitest failed with no failed test: an unhandled error (printed above) or no report at all.
  echo "vitest exit: FAILED (exit code $vitest_rc with no failed test)"
  failed=$((failed + 1))
fi
rm -f "$hangs"
[ -z "${DASHWIRE_TEST_REPORT:-}" ] && rm -f "$report"

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
