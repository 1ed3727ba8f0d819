#!/usr/bin/env bash
# The whole test suite, as a new user and CI run it: `npm test`.
# Sets itself up (npm deps, build, chromium), then runs lint, the type-check/build and Vitest
# (which starts Redis/NATS itself when they are not running), and ends with one line:
#   N passed, N failed, N skipped
# DASHWIRE_TEST_REPORT=<file> keeps Vitest's JSON report there (scripts/soak-tests.sh reads it).
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

npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
vitest_rc=$?

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
elif [ "$vitest_rc" != 0 ]; then
  failed=$((failed + 1))
fi
[ -z "${DASHWIRE_TEST_REPORT:-}" ] && rm -f "$report"

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
