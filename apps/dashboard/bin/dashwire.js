#!/usr/bin/env node
// The dashwire CLI: a thin launcher for the compiled code in ../dist (built by `npm run build`).
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('dashwire: not built yet. Run "npm run build" (or "npm start") from the repository root.\n');
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
// Timers of a stopped server are cleared; exit explicitly so a stray handle cannot keep us up.
process.exit(process.exitCode);
