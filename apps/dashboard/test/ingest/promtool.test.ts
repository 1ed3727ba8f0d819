/**
 * `promtool check metrics` (Debian's prometheus package) on the app's `/metrics`, after traffic
 * of every kind, so every dashwire series is there: the exposition parses, and promtool has no
 * finding about dashwire's own metrics. (prom-client's default `nodejs_*` metrics draw findings
 * of their own, e.g. gauges named `*_total`; those are the library's, not ours.)
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { connect } from "@dashwire/client/node";
import { describe, expect, it } from "vitest";
import { startApp } from "../api/helpers.js";

const PROMTOOL = "/usr/bin/promtool";
const havePromtool = existsSync(PROMTOOL);
if (!havePromtool)
  console.warn(
    "promtool test skipped: promtool is not installed (Debian's prometheus package; scripts/setup.sh installs it as root)",
  );

describe.skipIf(!havePromtool)("promtool check metrics", () => {
  it("finds nothing to say about dashwire's own metrics", async () => {
    await using t = await startApp();
    // Traffic of every kind, so labelled series (errors, closes, ingest formats) exist.
    await fetch(t.url("/write?db=x"), {
      method: "POST",
      body: gzipSync("pt v=1\npt v=oops"),
      headers: { "content-encoding": "gzip" },
    });
    await fetch(t.url("/api/v2/write?bucket=b"), { method: "POST", body: "pt v=1" });
    await fetch(t.url("/v1/metrics"), { method: "POST", headers: { "content-type": "text/plain" }, body: "x" });
    const client = connect(`${t.app.url.replace("http", "ws")}/dashwire`);
    await client.emit("metrics.write", [{ name: "pt.sock", value: 1 }, { name: "" }]);
    client.close();

    const exposition = await (await fetch(t.url("/metrics"))).text();
    expect(exposition).toMatch(/^dashwire_ingest_points_total\{format="influx_v1",result="refused"\} 1$/m);
    const run = spawnSync(PROMTOOL, ["check", "metrics"], { input: exposition, encoding: "utf8" });
    const findings = `${run.stdout}${run.stderr}`.split("\n").filter((l) => l.trim() !== "");
    expect(findings.join("\n")).not.toMatch(/error while linting|parsing error/);
    // Exit 0 (clean) or 3 (lint findings, all in prom-client's defaults as checked below).
    expect([0, 3]).toContain(run.status);
    expect(findings.filter((l) => !l.startsWith("nodejs_") && !l.startsWith("process_"))).toEqual([]);
  });
});
