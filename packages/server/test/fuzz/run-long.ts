/**
 * The dedicated fuzz run: ≥100,000 generated inputs per target (decoder + validator, the live
 * server over WebSocket, the server's HTTP routes, text into byte-limited fields), printing the
 * counts.
 *
 *   npx tsx packages/server/test/fuzz/run-long.ts [--runs 100000] [--seed 42]
 *       [--targets protocol,msgpack,wire,wire-msgpack,http,text] [--include-known]
 *
 * Inputs of the known crashers (fuzz/known-crashers.ts) are skipped and counted unless
 * `--include-known` is given; then the crashes they cause are counted too. Exit code 1 when any
 * contract was broken (a crash, an unhandled rejection, an uncoded error, a 500).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

// Workspace packages must resolve to their TypeScript sources (as under Vitest), not a stale
// dist/: re-run under tsx with the root test tsconfig, whose `paths` map @dashwire/* to src/.
if (process.env.TSX_TSCONFIG_PATH === undefined) {
  const tsconfig = fileURLToPath(new URL("../../../../tsconfig.test.json", import.meta.url));
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig },
  });
  process.exit(child.status ?? 1);
}

const { runLong } = await import("./long-run.js");
process.exit(await runLong(process.argv.slice(2)));
