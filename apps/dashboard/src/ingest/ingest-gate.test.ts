import { describe, expect, it } from "vitest";
import { ApiError, ApiErrorCode } from "../errors.js";
import { IngestGate } from "./ingest-gate.js";

describe("IngestGate", () => {
  it("admits up to max writes at once, refuses the next with 503 Busy without running it, then admits again", async () => {
    const gate = new IngestGate(2);
    const releases: Array<() => void> = [];
    const held = () => gate.run(() => new Promise<string>((resolve) => releases.push(() => resolve("done"))));
    const a = held();
    const b = held();
    expect(gate.active).toBe(2);
    let ran = false;
    const refused = await gate
      .run(async () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 503, code: ApiErrorCode.Busy });
    expect(gate.refused).toBe(1);
    for (const release of releases) release();
    expect(await Promise.all([a, b])).toEqual(["done", "done"]);
    expect(gate.active).toBe(0);
    expect(await gate.run(async () => "again")).toBe("again");
  });

  it("frees the slot of a write that throws", async () => {
    const gate = new IngestGate(1);
    await expect(gate.run(() => Promise.reject(new Error("bad body")))).rejects.toThrow("bad body");
    expect(gate.active).toBe(0);
    expect(await gate.run(async () => 1)).toBe(1);
  });
});
