/**
 * Headless Chromium for the browser tests: Debian's `chromium` (installed by
 * `scripts/setup.sh --browser`), launched with the flags that keep it off the network and
 * working as root in a container.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Flags of every headless Chromium the tests launch. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
];

/** Debian's chromium, or CHROMIUM_PATH; undefined when neither is installed. */
export function findChromium(): string | undefined {
  for (const c of [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"])
    if (c && existsSync(c)) return c;
  try {
    return execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Launches headless Chromium from `executablePath` (see `findChromium`). */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}
