import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const appDir = join(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Builds the UI from the current sources into a new temporary directory and returns it, so a
 * test runs the code it checks and leaves the shared `dist-ui` alone (remove it when done).
 */
export function buildUiToTemp(prefix: string): string {
  const uiDir = mkdtempSync(join(tmpdir(), prefix));
  execFileSync("npx", ["vite", "build", "--config", "ui/vite.config.ts", "--outDir", uiDir, "--emptyOutDir"], {
    cwd: appDir,
    stdio: "ignore",
  });
  return uiDir;
}
