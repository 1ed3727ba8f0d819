import { describe, expect, it } from "vitest";
import { MAX_GRAPHITE_LINE_BYTES, parseDecimal, parseGraphiteLines } from "./graphite-lines.js";

const parse = (text: string | Buffer, first = 1) =>
  parseGraphiteLines(typeof text === "string" ? Buffer.from(text) : text, first);

describe("parseGraphiteLines", () => {
  it("reads plain and tagged lines: the path is the name, tags are tags, seconds become ms", () => {
    const b = parse("servers.web-1.cpu.load 0.5 1700000000\ndisk.used;host=web-1;mount=/ 42 1700000000.25\n");
    expect(b.refused).toBe(0);
    expect(b.parsed.points).toEqual([
      { name: "servers.web-1.cpu.load", tags: undefined, value: 0.5, ts: 1_700_000_000_000, origin: 1 },
      { name: "disk.used", tags: { host: "web-1", mount: "/" }, value: 42, ts: 1_700_000_000_250, origin: 2 },
    ]);
    expect(b.nextLine).toBe(3);
  });

  it("reads no timestamp, and -1, as now; tolerates tabs, \\r\\n and blank lines", () => {
    const b = parse("a 1\r\n\n  \nb\t2\t-1\nc 3");
    expect(b.parsed.points.map((p) => [p.name, p.value, p.ts, p.origin])).toEqual([
      ["a", 1, undefined, 1],
      ["b", 2, undefined, 4],
      ["c", 3, undefined, 5],
    ]);
  });

  it("counts NaN and ±Inf as ignored, not refused", () => {
    const b = parse("a nan 1700000000\nb -Inf 1700000000\nc 1 1700000000\n");
    expect(b.parsed.ignored).toBe(2);
    expect(b.refused).toBe(0);
    expect(b.parsed.points).toHaveLength(1);
  });

  it("refuses malformed lines with their line number and keeps the good ones", () => {
    const b = parse(
      [
        "ok 1 1700000000",
        "lonely",
        "a 0x10 1700000000",
        "a 1 yesterday",
        "a 1 2 3",
        "a;host 1 1700000000",
        "a;host=x;host=y 1 1700000000",
        "a;=x 1 1700000000",
        "ok2 2 1700000000",
      ].join("\n"),
      10,
    );
    expect(b.parsed.points.map((p) => [p.name, p.origin])).toEqual([
      ["ok", 10],
      ["ok2", 18],
    ]);
    expect(b.refused).toBe(7);
    expect(b.parsed.rejected.map((r) => r.line)).toEqual([11, 12, 13, 14, 15, 16, 17]);
    expect(b.parsed.rejected[0]?.error).toMatch(/expected "<path> <value>/);
    expect(b.parsed.rejected[5]?.error).toMatch(/given twice/);
  });

  it("refuses invalid UTF-8, names and tags over the series limits, and too many tags", () => {
    const bad = Buffer.concat([Buffer.from("caf"), Buffer.from([0xe9]), Buffer.from(" 1\n")]);
    const tags = Array.from({ length: 40 }, (_, i) => `t${i}=v`).join(";");
    const b = parse(
      Buffer.concat([
        bad,
        Buffer.from(`${"n".repeat(300)} 1\nx;${tags} 1\nctl\u0001 1\n`),
        Buffer.from(`${"y".repeat(MAX_GRAPHITE_LINE_BYTES + 1)}\nfine 1\n`),
      ]),
    );
    expect(b.parsed.points.map((p) => p.name)).toEqual(["fine"]);
    expect(b.refused).toBe(5);
    expect(b.parsed.rejected.map((r) => r.error)).toEqual([
      "not valid UTF-8",
      expect.stringMatching(/at most 256 bytes/),
      expect.stringMatching(/at most 32 tags/),
      expect.stringMatching(/control characters/),
      `line longer than ${MAX_GRAPHITE_LINE_BYTES} bytes`,
    ]);
  });

  it("counts every refusal but lists only the first ten", () => {
    const b = parse("bad\n".repeat(50_000));
    expect(b.refused).toBe(50_000);
    expect(b.parsed.rejected).toHaveLength(10);
  });
});

describe("parseDecimal", () => {
  it("takes decimal numbers only", () => {
    expect([".5", "-2", "1e3", "+4.0"].map(parseDecimal)).toEqual([0.5, -2, 1000, 4]);
    for (const t of ["", "0x10", "Infinity", "1_0", " 1", "1."]) {
      if (t === "1.") expect(parseDecimal(t)).toBe(1);
      else expect(parseDecimal(t)).toBeNaN();
    }
  });
});
