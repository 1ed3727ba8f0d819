/**
 * Issue 17: `--help` of every command prints at once, with no setup step. Each command runs with
 * `npm`, `npx`, `tsc`, `apt-get` and `vite` shadowed by stubs that record being called: a help
 * that installs or builds first fails here.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const stubs = mkdtempSync(join(tmpdir(), "dashwire-help-"));
const marker = join(stubs, "setup-ran");
for (const tool of ["npm", "npx", "tsc", "apt-get", "vite"]) {
  const stub = join(stubs, tool);
  writeFileSync(stub, `#!/bin/sh\necho "${tool} $*" >> "${marker}"\nexit 97\n`);
  chmodSync(stub, 0o755);
}
afterAll(() => rmSync(stubs, { recursive: true, force: true }));

const commands: [string, string[], RegExp][] = [
  ["npm start -- --help", ["bash", "scripts/start.sh", "--help"], /Usage: dashwire start/],
  ["npm test -- --help", ["bash", "scripts/test.sh", "--help"], /usage: npm test/],
  ["npm run soak -- --help", ["bash", "scripts/soak-tests.sh", "--help"], /usage: soak-tests\.sh N/],
  ["npm run bench -- --help", ["bash", "scripts/bench.sh", "--help"], /usage: npm run bench/],
  ["npm run example:ticker -- --help", ["bash", "scripts/example.sh", "ticker", "--help"], /usage: npm run example/],
  ["dashwire --help", ["node", "apps/dashboard/bin/dashwire.js", "--help"], /dashwire start/],
  ["dashwire start --help", ["node", "apps/dashboard/bin/dashwire.js", "start", "--help"], /Usage: dashwire start/],
  ["dashwire send --help", ["node", "apps/dashboard/bin/dashwire.js", "send", "--help"], /Usage: dashwire send/],
];

describe("--help of every command", () => {
  it.each(commands)("%s prints its usage and exits 0, with no install or build", (_name, argv, usage) => {
    rmSync(marker, { force: true });
    const [cmd, ...args] = argv as [string, ...string[]];
    const ran = spawnSync(cmd === "node" ? process.execPath : cmd, args, {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, PATH: `${stubs}:${process.env.PATH ?? ""}` },
      timeout: 30_000,
    });
    expect(ran.stdout).toMatch(usage);
    expect(ran.status).toBe(0);
    expect(existsSync(marker) ? `setup ran: ${marker}` : "no setup").toBe("no setup");
  });
});
