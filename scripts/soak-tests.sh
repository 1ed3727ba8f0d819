#!/usr/bin/env bash
# Runs the whole suite (`npm test`, i.e. scripts/test.sh) N times in a row and reports every test
# that failed at least once, with how many times, from Vitest's JSON report of each run:
#   bash scripts/soak-tests.sh 5            (or: npm run soak -- 5)
#   bash scripts/soak-tests.sh 3 apps/dashboard   (extra arguments go to Vitest, as with npm test)
# Keeps each run's log and report in a temp dir (printed); exits 0 only when every run passed.
set -uo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h | --help)
    echo "usage: soak-tests.sh N [vitest args…]  (npm run soak -- N): the whole suite N times in a row;"
    echo "  prints each run's result line and time, then every test that failed at least once, with its count"
    exit 0
    ;;
esac
runs=${1:-3}
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: soak-tests.sh N [vitest args…]  (N ≥ 1 full runs)" >&2
  exit 2
fi
shift || true
out=$(mktemp -d -t dashwire-soak-XXXXXX)
echo "soak: $runs full runs; logs and reports in $out"

start=$SECONDS
for i in $(seq 1 "$runs"); do
  t0=$SECONDS
  DASHWIRE_TEST_REPORT="$out/run-$i.json" bash scripts/test.sh "$@" >"$out/run-$i.log" 2>&1
  # The log's last line is test.sh's contract: "N passed, N failed, N skipped".
  echo "run $i/$runs: $(tail -n 1 "$out/run-$i.log") in $((SECONDS - t0)) s"
done

node - "$out" "$runs" "$((SECONDS - start))" <<'NODE'
const { existsSync, readFileSync } = require("node:fs");
const { join, relative } = require("node:path");
const [dir, runs, seconds] = process.argv.slice(2);
const failures = new Map(); // test name -> runs it failed in
const fail = (name, run) => failures.set(name, [...(failures.get(name) ?? []), run]);
const perRun = [];
for (let i = 1; i <= Number(runs); i++) {
  const log = readFileSync(join(dir, `run-${i}.log`), "utf8");
  // Build/type-check, lint and Vitest's own end are not in its report; test.sh prints their verdicts.
  for (const step of ["build/type-check", "lint", "vitest time limit", "vitest exit"])
    if (log.includes(`${step}: FAILED`)) fail(`(${step})`, i);
  // A hung test, named by the watchdog (scripts/watchdog/reporter.ts); the log holds each line twice.
  const hung = new Set(log.match(/^WATCHDOG: .*? has run for/gm) ?? []);
  for (const line of hung) fail(`${line.slice("WATCHDOG: ".length, -" has run for".length)} (hung; killed by the watchdog)`, i);
  const file = join(dir, `run-${i}.json`);
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (text === "") {
    fail("(vitest wrote no report)", i);
    continue;
  }
  const r = JSON.parse(text);
  perRun.push(r.numTotalTests);
  for (const f of r.testResults) {
    const path = relative(process.cwd(), f.name);
    // A file that failed to load ran no test: it counts as one failure.
    if (f.status === "failed" && f.assertionResults.length === 0) fail(`${path} (failed to load)`, i);
    for (const a of f.assertionResults) if (a.status === "failed") fail(`${path} > ${a.fullName}`, i);
  }
}
const minutes = (Number(seconds) / 60).toFixed(1);
const tests = perRun.length === 0 ? "?" : [...new Set(perRun)].join("/");
console.log(`\nsoak: ${runs} runs in ${minutes} min (${(Number(seconds) / Number(runs) / 60).toFixed(1)} min a run), ${tests} Vitest tests a run (plus build/type-check and lint)`);
if (failures.size === 0) {
  console.log("soak: no test failed in any run");
  process.exit(0);
}
console.log(`soak: ${failures.size} test(s) failed at least once (count/runs: test [runs]):`);
for (const [name, inRuns] of [...failures].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])))
  console.log(`  ${inRuns.length}/${runs}  ${name}  [run ${inRuns.join(", ")}]`);
process.exit(1);
NODE
