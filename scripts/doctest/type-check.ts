/**
 * Doc-tests, part 4: every TypeScript block of the docs type-checked in one `tsc` run against
 * the workspace sources, as rustdoc compiles every example. A block is a module of its own,
 * its directive's prelude first (declarations the block assumes, e.g. `declare const client`).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DocBlock } from "./markdown-blocks.js";

/** Type errors per block slug (an empty list: it checks). */
export type TypeReport = Map<string, string[]>;

/** Type-checks `blocks` (slug → block); errors point at the page's lines. */
export function typeCheck(root: string, blocks: Map<string, DocBlock>): TypeReport {
  const dir = join(root, ".doctest", "types");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Where each block's own first line sits in the generated file.
  const offsets = new Map<string, number>();
  for (const [slug, block] of blocks) {
    const prelude = block.directive?.prelude ?? "";
    const head = `export {};\n${prelude}\n`;
    offsets.set(slug, head.split("\n").length - 1);
    writeFileSync(join(dir, `${slug}.${block.lang === "tsx" ? "tsx" : "ts"}`), head + block.code + "\n");
  }
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: "../../tsconfig.test.json",
      compilerOptions: { noUnusedLocals: false, noUnusedParameters: false, jsx: "react-jsx" },
      include: ["./*.ts", "./*.tsx"],
    }),
  );
  const tsc = spawnSync(
    process.execPath,
    [join(root, "node_modules/typescript/bin/tsc"), "-p", dir, "--pretty", "false"],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
  const report: TypeReport = new Map([...blocks.keys()].map((slug) => [slug, []]));
  const output = `${tsc.stdout}${tsc.stderr}`;
  for (const line of output.split("\n")) {
    const m = /([^/\s]+)\.tsx?\((\d+),(\d+)\): (error .*)$/.exec(line);
    if (m === null) continue;
    const [, slug, row, col, message] = m as unknown as [string, string, string, string, string];
    const block = blocks.get(slug);
    if (block === undefined) continue;
    const inBlock = Number(row) - (offsets.get(slug) ?? 0);
    const where =
      inBlock >= 1 ? `${block.file}:${block.line + inBlock}:${col}` : `${block.file}:${block.line} (prelude)`;
    report.get(slug)?.push(`${where}: ${message}`);
  }
  if (tsc.status !== 0 && [...report.values()].every((e) => e.length === 0))
    throw new Error(`tsc failed without block errors:\n${output}`);
  return report;
}
