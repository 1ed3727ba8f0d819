import { describe, expect, it } from "vitest";
import { ApiErrorCode } from "../errors.js";
import { formatSeriesId } from "../series/series-id.js";
import { parseLineProtocol, parsePrecision, type Precision } from "./line-protocol.js";

/** `[name, tags, value]` of each point. */
const rows = (body: string | Buffer) =>
  parseLineProtocol(body).points.map((p) => [p.name, { ...p.tags }, p.value] as const);
/** The series id of each point. */
const ids = (body: string) => parseLineProtocol(body).points.map((p) => formatSeriesId(p.name, p.tags));

describe("line protocol", () => {
  it("turns each numeric field into a point named measurement.field", () => {
    const r = parseLineProtocol("cpu,host=a usage=0.5,idle=0.3 1700000000000000000");
    expect(r.rejected).toEqual([]);
    expect(r.points.map((p) => [p.name, { ...p.tags }, p.value, p.ts, p.origin])).toEqual([
      ["cpu.usage", { host: "a" }, 0.5, 1_700_000_000_000, 1],
      ["cpu.idle", { host: "a" }, 0.3, 1_700_000_000_000, 1],
    ]);
  });

  it("honours precision", () => {
    const at = (p: Precision, ts: string) => parseLineProtocol(`m v=1 ${ts}`, p).points[0]?.ts;
    expect(at("ns", "1700000000123456789")).toBe(1_700_000_000_123);
    expect(at("us", "1700000000123456")).toBe(1_700_000_000_123);
    expect(at("ms", "1700000000123")).toBe(1_700_000_000_123);
    expect(at("s", "1700000000")).toBe(1_700_000_000_000);
    expect(at("m", "28333333")).toBe(1_699_999_980_000); // InfluxDB v1 also takes minutes and hours
    expect(at("h", "472222")).toBe(1_699_999_200_000);
    expect(parseLineProtocol("m v=1 2562048", "h").rejected[0]?.error).toMatch(/out of range/);
    expect(at("ns", "-1")).toBe(-1); // floor: the millisecond before the epoch
    expect(parseLineProtocol("m v=1").points[0]?.ts).toBeUndefined();
    expect(parsePrecision("n")).toBe("ns");
    expect(parsePrecision("u")).toBe("us");
    expect(parsePrecision("h")).toBe("h");
    expect(parsePrecision("d")).toBeUndefined();
    expect(parsePrecision("__proto__")).toBeUndefined();
  });

  // Issue 12 item 7: these all merged or vanished before.
  it("keeps distinct names and tags distinct: Unicode, escapes and underscores", () => {
    expect(ids("温度 v=1\n湿度 v=1\n__ v=1")).toEqual(["温度.v", "湿度.v", "__.v"]);
    expect(ids("m,host=web\\ 1 v=1\nm,host=web_1 v=1\nm,host=web\\\\ 1 v=1")).toEqual([
      "m.v,host=web 1",
      "m.v,host=web_1",
      "m.v,host=web\\\\ 1",
    ]);
    expect(ids("cpu,host=Ethernet\\ 2\\,x\\=y v=1")).toEqual(["cpu.v,host=Ethernet 2\\,x\\=y"]);
  });

  it("escapes dots in the measurement so (a.b, c) and (a, b.c) stay two series", () => {
    expect(rows("a.b c=1\na b.c=2\na\\b c=3")).toEqual([
      ["a\\.b.c", {}, 1],
      ["a.b.c", {}, 2],
      ["a\\\\b.c", {}, 3],
    ]);
  });

  it("keeps a tag named __proto__ (or constructor) like any other", () => {
    const [p] = parseLineProtocol("m,__proto__=x,constructor=y v=1").points;
    expect(Object.entries(p?.tags ?? {})).toEqual([
      ["__proto__", "x"],
      ["constructor", "y"],
    ]);
  });

  it("refuses repeated tags and fields instead of keeping one of them", () => {
    const r = parseLineProtocol('m,h=a,h=b v=1\nm a=1,a=2\nm a=1,a="s"\nm ok=1');
    expect(r.points.map((p) => p.name)).toEqual(["m.ok"]);
    expect(r.rejected).toEqual([
      { line: 1, error: 'tag "h" given twice', code: ApiErrorCode.InvalidField },
      { line: 2, error: 'field "a" given twice', code: ApiErrorCode.InvalidField },
      { line: 3, error: 'field "a" given twice', code: ApiErrorCode.InvalidField },
    ]);
  });

  it("refuses integers out of int64/uint64, and refuses (not rounds) those beyond ±2^53", () => {
    const r = parseLineProtocol(
      "m a=9223372036854775808i\nm b=18446744073709551616u\nm c=9007199254740993i,d=2,e=9007199254740991i\nm f=9007199254740993.0",
    );
    expect(rows("m e=9007199254740991i")).toEqual([["m.e", {}, 9007199254740991]]);
    // Line 3 keeps its good fields; the inexact one is refused, named; a float says "round me".
    expect(r.points.map((p) => [p.origin, p.name, p.value])).toEqual([
      [3, "m.d", 2],
      [3, "m.e", 9007199254740991],
      [4, "m.f", 9007199254740992],
    ]);
    expect(r.rejected.map((x) => [x.line, x.error])).toEqual([
      [1, expect.stringMatching(/field "a": "9223372036854775808i" is out of range for int64/)],
      [2, expect.stringMatching(/field "b": "18446744073709551616u" is out of range for uint64/)],
      [3, expect.stringMatching(/field "c": integer "9007199254740993i" is beyond ±2\^53 and would be rounded/)],
    ]);
  });

  it("reads a quoted string holding a newline as part of its line, and keeps counting lines", () => {
    const r = parseLineProtocol('m v=1,s="two\nlines"\nm v=2\nm v=oops');
    expect(r.points.map((p) => [p.origin, p.value])).toEqual([
      [1, 1],
      [3, 2],
    ]);
    expect(r.ignored).toBe(1);
    expect(r.rejected.map((x) => x.line)).toEqual([4]);
  });

  it("says which lines an unterminated string swallowed", () => {
    const r = parseLineProtocol('m v=1\nm s="open\nm v=2\nm v=3');
    expect(r.points.map((p) => p.value)).toEqual([1]);
    expect(r.rejected).toEqual([
      {
        line: 2,
        error: 'field "s": unterminated string value (lines 2-4 were read as one line)',
        code: ApiErrorCode.InvalidField,
      },
    ]);
  });

  it("counts string fields as ignored; a line of only strings is not an error", () => {
    const r = parseLineProtocol(
      'system uptime_format="1 day,  3:02"\nsys uptime=5i,msg="a \\"quoted\\", x=1 y",load=0.25',
    );
    expect(r.rejected).toEqual([]);
    expect(r.ignored).toBe(2);
    expect(r.points.map((p) => [p.name, p.value])).toEqual([
      ["sys.uptime", 5],
      ["sys.load", 0.25],
    ]);
  });

  it("keeps good lines, rejects bad ones with the line number and why", () => {
    const body = [
      "# a comment",
      "cpu,host=a usage=1",
      "",
      "cpu,host=a usage=abc",
      "cpu,host=a",
      "cpu,host usage=1",
      "cpu usage=1 notatime",
      "cpu usage=1i2",
      "cpu,host=b usage=2\r",
      "cpu,host= usage=1",
      'cpu s="unterminated',
    ].join("\n");
    const r = parseLineProtocol(body);
    expect(r.points.map((p) => [p.origin, p.tags?.host, p.value])).toEqual([
      [2, "a", 1],
      [9, "b", 2],
    ]);
    expect(r.rejected.map((x) => x.line)).toEqual([4, 5, 6, 7, 8, 10, 11]);
    expect(r.rejected.every((x) => x.code === ApiErrorCode.InvalidField)).toBe(true);
    expect(r.rejected.map((x) => x.error)).toEqual([
      'field "usage": invalid value "abc"',
      "missing field set",
      'tag "host": missing "="',
      'invalid timestamp "notatime"',
      'field "usage": invalid value "1i2"',
      'tag "host": empty value',
      'field "s": unterminated string value',
    ]);
  });

  it("refuses a whole line on a syntax error, even after good fields", () => {
    const r = parseLineProtocol("cpu a=1,b=x");
    expect(r.points).toEqual([]);
    expect(r.rejected).toHaveLength(1);
  });

  it("refuses only the lines that are not UTF-8, and drops a leading byte order mark", () => {
    const body = Buffer.concat([
      Buffer.from("\ufeffa v=1\n", "utf8"),
      Buffer.from([0x62, 0xff, 0x20, 0x76, 0x3d, 0x31, 0x0a]), // "b\xff v=1"
      Buffer.from("c,t=é v=2", "utf8"),
    ]);
    const r = parseLineProtocol(body);
    expect(r.points.map((p) => [p.name, { ...p.tags }])).toEqual([
      ["a.v", {}],
      ["c.v", { t: "é" }],
    ]);
    expect(r.rejected).toEqual([{ line: 2, error: "invalid UTF-8", code: ApiErrorCode.InvalidField }]);
  });

  it("bounds names and tags in bytes, not characters", () => {
    // 85 three-byte characters + ".v" = 257 bytes, though only 87 characters.
    const r = parseLineProtocol(`${"温".repeat(85)} v=1\n${"温".repeat(84)} v=1\nm,k=${"é".repeat(129)} v=1`);
    expect(r.points.map((p) => p.origin)).toEqual([2]);
    expect(r.rejected.map((x) => [x.line, x.error])).toEqual([
      [1, 'field "v": name must be at most 256 bytes (UTF-8)'],
      [3, 'tag "k" value must be at most 256 bytes (UTF-8)'],
    ]);
  });
});
