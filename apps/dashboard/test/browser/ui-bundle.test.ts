/**
 * What the UI bundle carries. The UI takes the API's shapes from the server's modules with
 * `import type` (the zod schema's `z.infer` types, the routes' answer types), which must vanish
 * from the build: no zod and nothing of Node may reach the browser. The only server modules in
 * the bundle are the few shared on purpose, which import nothing from Node.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildUiToTemp } from "./build-ui.js";

const appDir = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Server modules the UI runs as they are (each imports nothing from Node, nor zod). */
const SHARED_AT_RUNTIME = [
  "src/dashboards/variables.ts",
  "src/panels/panel-kinds.ts",
  "src/panels/panel-options.ts",
  "src/series/series-id.ts",
  "src/series/series-topic.ts",
];

describe("the UI bundle", () => {
  let uiDir = "";
  let js = "";
  const sources: string[] = [];

  beforeAll(() => {
    uiDir = buildUiToTemp("dashwire-ui-bundle-");
    const assets = join(uiDir, "assets");
    const files = readdirSync(assets);
    js = files
      .filter((f) => f.endsWith(".js"))
      .map((f) => readFileSync(join(assets, f), "utf8"))
      .join("\n");
    for (const f of files.filter((f) => f.endsWith(".js.map"))) {
      const map = JSON.parse(readFileSync(join(assets, f), "utf8")) as { sources: string[] };
      sources.push(...map.sources.map((s) => relative(appDir, resolve(assets, s))));
    }
  }, 120_000);

  afterAll(() => {
    if (uiDir) rmSync(uiDir, { recursive: true, force: true });
  });

  /** Each place `re` matches, with a little context (the bundle itself is too big to print). */
  const hits = (re: RegExp) => [...js.matchAll(re)].slice(0, 5).map((m) => js.slice(m.index - 30, m.index + 30));

  it("holds no zod and nothing of Node", () => {
    expect(js.length).toBeGreaterThan(10_000);
    expect(sources.filter((s) => s.includes("node_modules/zod/"))).toEqual([]);
    expect(hits(/_zod|ZodError/g)).toEqual([]);
    expect(hits(/["'`]node:/g)).toEqual([]);
    // Node's globals, not a property of the same name (`ArrayBuffer`, `this.process(...)`).
    expect(hits(/(?<![\w$.])Buffer\b/g)).toEqual([]);
    expect(hits(/(?<![\w$.])process\./g)).toEqual([]);
    expect(hits(/(?<![\w$.])require\(/g)).toEqual([]);
  });

  it("takes from the server only the modules shared on purpose", () => {
    const server = sources.filter((s) => s.startsWith("src/"));
    expect(server.sort()).toEqual([...SHARED_AT_RUNTIME].sort());
    // The UI's own sources are there (the map is read right).
    expect(sources).toContain("ui/src/api.ts");
  });
});
