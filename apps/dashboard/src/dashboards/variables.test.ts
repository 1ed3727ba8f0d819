/**
 * Dashboard variables: references in series ids and titles, substitution part by part (a value
 * with a separator is escaped, not read as one), and the schema's rules for declaring them.
 */
import { describe, expect, it } from "vitest";
import { zodMessage } from "../zod-message.js";
import { dashboardSchema } from "./dashboard-schema.js";
import { referencedVariables, resolveSeries, substitute } from "./variables.js";

/** `${dc}`, the braced reference (written so, it is not mistaken for a template placeholder). */
const DC = "$" + "{dc}";

describe("variables", () => {
  it("finds and replaces $name and its braced form, leaving unknown names alone", () => {
    expect(referencedVariables(`cpu.usage,host=$host,dc=${DC}x,other=$host`)).toEqual(["host", "dc"]);
    expect(substitute(`CPU on $host (${DC}-1) $nope`, { host: "web-2", dc: "eu" })).toBe("CPU on web-2 (eu-1) $nope");
    expect(substitute("$hostname", { host: "a" })).toBe("$hostname"); // the longest name is the reference
  });

  it("resolves a series part by part and checks the result", () => {
    expect(resolveSeries("cpu.usage,host=$host", { host: "web-2" })).toBe("cpu.usage,host=web-2");
    expect(resolveSeries("$metric,host=a", { metric: "mem.used_mb" })).toBe("mem.used_mb,host=a");
    // A value holding a separator is escaped: it stays one tag value.
    expect(resolveSeries("cpu.usage,host=$host", { host: "a,b=c" })).toBe("cpu.usage,host=a\\,b\\=c");
    // No reference: the id as it is; an empty or oversized value: no series.
    expect(resolveSeries("cpu.usage,host=a", { host: "x" })).toBe("cpu.usage,host=a");
    expect(resolveSeries("cpu.usage,host=$host", { host: "" })).toBeUndefined();
    expect(resolveSeries("cpu.usage,host=$host", { host: "é".repeat(200) })).toBeUndefined();
    // A variable without a value is left as written (a literal "$" is valid in a tag value).
    expect(resolveSeries("cpu.usage,host=$host", {})).toBe("cpu.usage,host=$host");
  });

  it("is declared in the schema: names unique and well-formed, strings bounded in bytes", () => {
    const base = {
      id: "d",
      title: "D",
      panels: [{ id: "p", kind: "stat", title: "$host", series: ["cpu,host=$host"] }],
    };
    const ok = { ...base, variables: [{ name: "host", tag: "host", match: "cpu,", default: "web-1", label: "Host" }] };
    expect(dashboardSchema.parse(ok)).toEqual(ok);
    // A stored dashboard without variables stays valid.
    expect(dashboardSchema.parse(base)).toEqual(base);
    const cases: [unknown, string][] = [
      [[{ name: "1x", tag: "host" }], "variables.0.name: must be a letter or _ then up to 31 letters, digits or _"],
      [[{ name: "h", tag: "" }], "variables.0.tag: Too small: expected string to have >=1 characters"],
      [
        [
          { name: "h", tag: "host" },
          { name: "h", tag: "dc" },
        ],
        "variables.1.name: duplicate variable h",
      ],
      [
        [{ name: "h", tag: "host", default: "é".repeat(129) }],
        "variables.0.default: must be at most 256 bytes (UTF-8)",
      ],
      [[{ name: "h", tag: "host", extra: 1 }], 'variables.0: Unrecognized key: "extra"'],
      [
        Array.from({ length: 11 }, (_, i) => ({ name: `v${i}`, tag: "t" })),
        "variables: Too big: expected array to have <=10 items",
      ],
    ];
    for (const [variables, message] of cases) {
      const r = dashboardSchema.safeParse({ ...base, variables });
      expect(r.success ? "accepted" : zodMessage(r.error)).toBe(message);
    }
  });
});
