/**
 * No import cycles in the server and the client, type-only imports included (issue 14): a cycle
 * means two modules own one idea between them. Checked with dpdm, which reads `import type` as
 * an edge unless told otherwise (`transform: false`). By hand:
 *   npx dpdm --no-tree --no-warning --exit-code circular:1 'packages/server/src/**' 'packages/client/src/**'
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCircular, parseDependencyTree } from "dpdm";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * The cycles among the TypeScript files matched by `glob` (paths relative to `cwd`, whose
 * tsconfig.json maps `./x.js` to `./x.ts`). Throws when a relative import did not resolve: the
 * check would then pass for want of edges.
 */
async function cycles(glob: string, cwd: string): Promise<string[][]> {
  const tree = await parseDependencyTree(glob, { cwd, context: cwd, transform: false, skipDynamicImports: false });
  const unresolved = Object.values(tree)
    .flatMap((deps) => deps ?? [])
    .filter((d) => d.request.startsWith(".") && d.id === null);
  if (unresolved.length > 0) throw new Error(`unresolved imports: ${JSON.stringify(unresolved.slice(0, 3))}`);
  return parseCircular(tree);
}

describe("import cycles", () => {
  const fixture = mkdtempSync(join(tmpdir(), "dashwire-cycles-"));
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));

  it("the check sees a cycle made of type-only imports", async () => {
    writeFileSync(
      join(fixture, "tsconfig.json"),
      '{"compilerOptions":{"module":"NodeNext","moduleResolution":"NodeNext"}}',
    );
    writeFileSync(join(fixture, "a.ts"), 'import type { B } from "./b.js";\nexport interface A { b?: B }\n');
    writeFileSync(join(fixture, "b.ts"), 'import type { A } from "./a.js";\nexport interface B { a?: A }\n');
    expect((await cycles("*.ts", fixture)).map((c) => c.sort())).toEqual([["a.ts", "b.ts"]]);
  });

  it.each(["packages/server", "packages/client"])("%s has none", async (pkg) => {
    expect(await cycles(`${pkg}/src/**/*.ts`, root)).toEqual([]);
  });
});
