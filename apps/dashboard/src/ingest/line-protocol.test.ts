import { describe, expect, it } from "vitest";
import { ApiErrorCode } from "../errors.js";
import { parseLineProtocol, parsePrecision } from "./line-protocol.js";

describe("line protocol", () => {
  it("turns each numeric field into a point named measurement.field", () => {
    const r = parseLineProtocol("cpu,host=a usage=0.5,idle=0.3 1700000000000000000");
    expect(r.rejected).toEqual([]);
    expect(r.points).toEqual([
      { name: "cpu.usage", tags: { host: "a" }, value: 0.5, ts: 1_700_000_000_000, origin: 1 },
      { name: "cpu.idle", tags: { host: "a" }, value: 0.3, ts: 1_700_000_000_000, origin: 1 },
    ]);
  });

  it("reads int, uint, float and bool field types", () => {
    const r = parseLineProtocol("m a=12i,b=7u,c=-1.5e3,d=t,e=FALSE,f=True,g=.5,h=-3");
    expect(r.rejected).toEqual([]);
    expect(r.points.map((p) => [p.name, p.value])).toEqual([
      ["m.a", 12],
      ["m.b", 7],
      ["m.c", -1500],
      ["m.d", 1],
      ["m.e", 0],
      ["m.f", 1],
      ["m.g", 0.5],
      ["m.h", -3],
    ]);
  });

  it("honours precision", () => {
    const at = (p: "ns" | "us" | "ms" | "s", ts: string) => parseLineProtocol(`m v=1 ${ts}`, p).points[0]?.ts;
    expect(at("ns", "1700000000123456789")).toBe(1_700_000_000_123);
    expect(at("us", "1700000000123456")).toBe(1_700_000_000_123);
    expect(at("ms", "1700000000123")).toBe(1_700_000_000_123);
    expect(at("s", "1700000000")).toBe(1_700_000_000_000);
    expect(parseLineProtocol("m v=1").points[0]?.ts).toBeUndefined();
    expect(parsePrecision("n")).toBe("ns");
    expect(parsePrecision("u")).toBe("us");
    expect(parsePrecision("h")).toBeUndefined();
  });

  it("unescapes commas, spaces and equals signs, then maps them into the series charset", () => {
    const r = parseLineProtocol("my\\ meas\\,x,ta\\=g=va\\ l\\,ue fi\\ eld=1");
    expect(r.rejected).toEqual([]);
    // measurement "my meas,x", tag key "ta=g", value "va l,ue", field "fi eld"
    expect(r.points[0]).toMatchObject({ name: "my_meas_x.fi_eld", tags: { ta_g: "va_l_ue" } });
  });

  it("skips string fields (counted as ignored) and handles escaped quotes in them", () => {
    const r = parseLineProtocol('sys uptime=5i,msg="a \\"quoted\\", x=1 y",load=0.25');
    expect(r.rejected).toEqual([]);
    expect(r.ignored).toBe(1);
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
      'cpu msg="only a string"',
      "cpu usage=1 notatime",
      "cpu usage=1i2",
      "cpu,host=b usage=2\r",
      "cpu,host= usage=1",
      'cpu s="unterminated',
    ].join("\n");
    const r = parseLineProtocol(body);
    expect(r.points.map((p) => [p.origin, p.tags?.host, p.value])).toEqual([
      [2, "a", 1],
      [10, "b", 2],
    ]);
    expect(r.rejected.map((x) => x.line)).toEqual([4, 5, 6, 7, 8, 9, 11, 12]);
    expect(r.rejected.every((x) => x.code === ApiErrorCode.InvalidField)).toBe(true);
    expect(r.rejected[0]?.error).toMatch(/field usage: invalid value "abc"/);
    expect(r.rejected[1]?.error).toMatch(/missing field set/);
    expect(r.rejected[2]?.error).toMatch(/tag "host": missing "="/);
    expect(r.rejected[3]?.error).toMatch(/no numeric field/);
    expect(r.rejected[4]?.error).toMatch(/invalid timestamp/);
    expect(r.rejected[6]?.error).toMatch(/tag host: empty value/);
    expect(r.rejected[7]?.error).toMatch(/unterminated/);
  });

  it("drops all fields of a line when one of them is bad", () => {
    const r = parseLineProtocol("cpu a=1,b=x");
    expect(r.points).toEqual([]);
    expect(r.rejected).toHaveLength(1);
  });
});
