/**
 * The doc-tests: every code block of the README and `docs/` is run (or checked) against the
 * real thing, in page order, as a reader would follow it; a block that only illustrates says so
 * with `<!-- doctest: illustrative — why -->` and is counted as skipped. The grammar is in
 * docs/doc-tests.md.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseClientMessage, Violation } from "@dashwire/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { type DocBlock, jsonValues, markdownBlocks, modeOf } from "./markdown-blocks.js";
import { PageRun } from "./page-run.js";
import { typeCheck } from "./type-check.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The pages under test: the README and every page of docs/. */
function pages(): string[] {
  const docs = readdirSync(join(root, "docs"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".md"))
    .map((f) => join("docs", f))
    .sort();
  return ["README.md", ...docs];
}

const TS_LANGS = new Set(["ts", "typescript", "tsx"]);
const slugOf = (b: DocBlock) => `${b.file.replace(/[^A-Za-z0-9]+/g, "_")}_${b.line}`;
const byPage = new Map(pages().map((p) => [p, markdownBlocks(p, readFileSync(join(root, p), "utf8"))]));
const all = [...byPage.values()].flat();
const typed = new Map(
  all.filter((b) => TS_LANGS.has(b.lang) && !["illustrative", "text"].includes(modeOf(b))).map((b) => [slugOf(b), b]),
);
let types: ReturnType<typeof typeCheck> | undefined;
const counts = { executed: 0, checked: 0, skipped: 0, text: 0 };

afterAll(() => {
  console.log(
    `doc-tests: ${counts.executed} blocks executed, ${counts.checked} checked only, ${counts.skipped} skipped as illustrative, ${counts.text} text blocks (output, config) not code`,
  );
});

function typeErrors(block: DocBlock): string[] {
  types ??= typeCheck(root, typed);
  return types.get(slugOf(block)) ?? [];
}

/** Wire message types only a client sends: a page showing one shows what the server accepts. */
const CLIENT_ONLY = new Set(["connect", "sub", "unsub", "pub", "presence", "refresh"]);

/**
 * A `json` block holds one JSON value or several in a row (a wire exchange, one message a
 * line); each parses, and each client → server message is one the protocol accepts.
 */
function checkJson(block: DocBlock): void {
  for (const value of jsonValues(block.code)) {
    const t = (value as { t?: unknown } | null)?.t;
    if (typeof t !== "string" || !CLIENT_ONLY.has(t)) continue;
    const parsed = parseClientMessage(value, 256);
    if (parsed instanceof Violation) throw new Error(`${block.file}:${block.line}: ${t}: ${parsed.message}`);
  }
}

for (const [page, blocks] of byPage) {
  if (blocks.every((b) => modeOf(b) === "text")) {
    counts.text += blocks.length;
    continue;
  }
  describe(page, () => {
    const run = new PageRun(root);
    afterAll(() => run.close());
    for (const block of blocks) {
      const mode = modeOf(block);
      const name = `${block.lang || "text"} block at line ${block.line}`;
      if (mode === "text") {
        counts.text++;
        continue;
      }
      if (mode === "illustrative") {
        counts.skipped++;
        it.skip(`${name} (illustrative: ${block.directive?.reason})`, () => {});
        continue;
      }
      if (mode === "check") counts.checked++;
      else counts.executed++;
      it(`${name} (${mode})`, async () => {
        const lang = block.lang;
        if (TS_LANGS.has(lang)) {
          expect(typeErrors(block)).toEqual([]);
          if (mode !== "check" && lang === "tsx") throw new Error("a tsx block is checked only (it renders in a page)");
          if (mode !== "check") await run.typescript(block, slugOf(block));
        } else if (lang === "json") {
          checkJson(block);
          if (block.directive?.options.post !== undefined) await run.post(block);
        } else if (lang === "sh" || lang === "bash" || lang === "shell") {
          if (mode === "check") {
            const { spawnSync } = await import("node:child_process");
            const r = spawnSync("bash", ["-n"], { input: block.code, encoding: "utf8" });
            expect(r.stderr).toBe("");
          } else if (mode === "server") await run.shellServers(block);
          else await run.shell(block);
        } else throw new Error(`${relative(root, page)}:${block.line}: no runner for ${lang} blocks in ${mode} mode`);
      }, 60_000);
    }
  });
}
