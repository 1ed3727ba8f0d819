/**
 * What `dashwire start` loads before it listens (issue 13: restart in ≤ 2 s). Broker clients,
 * the PostgreSQL driver and the protobuf decoders are imported only when configured or first
 * used; ioredis in particular must stay out of a default start: its `class VerbatimString
 * extends String` turns `String.prototype` into a dictionary-mode object in V8 11 (Node 20),
 * which made every string method call of the process, the line-protocol parser's among them,
 * 2-3× slower.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./fixtures/start-path.ts", import.meta.url));

describe("the start path", () => {
  it("loads no broker client, database driver or protobuf decoder it was not asked for", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--allow-natives-syntax", "--conditions=source", "--import", "tsx", fixture],
      { timeout: 90_000 },
    );
    const seen = JSON.parse(stdout.trim().split("\n").at(-1) as string) as {
      packages: string[];
      stringPrototypeFast: boolean;
    };
    // better-sqlite3 is the default store: it must be there (the check sees CommonJS packages).
    expect(seen.packages).toContain("better-sqlite3");
    for (const lazy of ["ioredis", "nats", "pg", "protobufjs", "snappyjs"]) expect(seen.packages).not.toContain(lazy);
    expect(seen.stringPrototypeFast).toBe(true);
  }, 120_000);
});
