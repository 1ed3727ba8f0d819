/**
 * docs/architecture.md stays true: every repository path it names (in backticks) exists. A file
 * renamed or deleted without the page following fails here.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const page = readFileSync(`${root}docs/architecture.md`, "utf8");

/** Backticked repository paths (`packages/…`, `apps/…`, `docs/…`, `scripts/…`), placeholders left out. */
function namedPaths(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/`((?:packages|apps|docs|scripts|bench|examples)\/[^`\s]+)`/g)) {
    const path = m[1] as string;
    if (!path.includes("<")) found.add(path);
  }
  return [...found];
}

describe("docs/architecture.md", () => {
  it("names only paths that exist", () => {
    const paths = namedPaths(page);
    expect(paths.length).toBeGreaterThan(40);
    expect(paths.filter((p) => !existsSync(`${root}${p}`))).toEqual([]);
  });

  it("names the files of apps/dashboard/src/app/ it lists under their directory", () => {
    for (const m of page.matchAll(/\(`([a-z-]+\.ts)`\)/g)) {
      expect(existsSync(`${root}apps/dashboard/src/app/${m[1]}`), m[1]).toBe(true);
    }
  });

  it("the README links nothing outside the repository, and links this page and CONTRIBUTING.md", () => {
    const readme = readFileSync(`${root}README.md`, "utf8");
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
    expect(targets.filter((t) => t.startsWith("../") || /^[a-z]+:/i.test(t) || t.startsWith("/"))).toEqual([]);
    expect(targets.filter((t) => !t.startsWith("#") && !existsSync(`${root}${t.split("#")[0]}`))).toEqual([]);
    expect(targets).toContain("docs/architecture.md");
    expect(targets).toContain("CONTRIBUTING.md");
  });

  it("catches a path that does not exist", () => {
    expect(namedPaths("see `packages/server/src/no-such-file.ts`")).toEqual(["packages/server/src/no-such-file.ts"]);
    expect(existsSync(`${root}packages/server/src/no-such-file.ts`)).toBe(false);
  });
});
