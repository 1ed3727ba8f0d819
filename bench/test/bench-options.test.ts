import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { benchDefaults, parseBenchArgs, USAGE, UsageError } from "../src/bench-options.js";

describe("parseBenchArgs", () => {
  it("reads the documented command line", () => {
    const o = parseBenchArgs([
      "seed-100",
      "--targets",
      "dashwire,socketio,ws,flask-socketio,django-channels",
      "--duration",
      "20",
      "--server-cpus=0",
      "--load-cpus",
      "1",
      "--out",
      "/tmp/x",
    ]);
    expect(o.scenario).toBe("seed-100");
    expect(o.targets).toEqual(["dashwire", "socketio", "ws", "flask-socketio", "django-channels"]);
    expect(o.durationS).toBe(20);
    expect(o.serverCpus).toBe("0");
    expect(o.loadCpus).toBe("1");
    expect(o.out).toBe("/tmp/x");
    expect(o.warmupS).toBe(benchDefaults.warmupS);
  });

  it("rejects what it does not understand with a usage error", () => {
    expect(() => parseBenchArgs([])).toThrow(UsageError);
    expect(() => parseBenchArgs(["nope"])).toThrow(/unknown scenario/);
    expect(() => parseBenchArgs(["idle", "--targets", "tornado"])).toThrow(/unknown target/);
    expect(() => parseBenchArgs(["idle", "--duration", "-3"])).toThrow(/not a valid number/);
    expect(() => parseBenchArgs(["idle", "--duration"])).toThrow(/needs a value/);
    expect(() => parseBenchArgs(["capacity", "--steps", "100,0"])).toThrow(UsageError);
    expect(() => parseBenchArgs(["seed-100", "--codec", "cbor"])).toThrow(/unknown codec/);
    expect(() => parseBenchArgs(["seed-100", "--codec", "msgpack", "--transport", "websocket,sse"])).toThrow(
      /websocket only/,
    );
  });

  it("takes --codec (issue 19), JSON unless told", () => {
    expect(parseBenchArgs(["seed-100"]).codec).toBe("json");
    expect(parseBenchArgs(["seed-1000", "--codec", "msgpack"]).codec).toBe("msgpack");
  });
});

describe("the storage scenarios on the command line", () => {
  it("takes their own targets and workload options", () => {
    const o = parseBenchArgs(["ingest", "--targets", "dashwire,influxdb", "--duration", "15", "--connections", "8"]);
    expect(o.scenario).toBe("ingest");
    expect(o.ingestTargets).toEqual(["dashwire", "influxdb"]);
    expect(o.targets).toEqual(benchDefaults.targets);
    expect(o.connections).toBe(8);
    expect(parseBenchArgs(["ingest-restart", "--points", "2000"]).points).toBe(2000);
    expect(parseBenchArgs(["ingest-query"]).ingestTargets).toEqual(["dashwire", "influxdb"]);
    // dashwire on PostgreSQL on request only (it needs a PostgreSQL server).
    expect(parseBenchArgs(["ingest", "--targets", "dashwire,dashwire-pg,influxdb"]).ingestTargets).toEqual([
      "dashwire",
      "dashwire-pg",
      "influxdb",
    ]);
    expect(() => parseBenchArgs(["ingest", "--targets", "socketio"])).toThrow(/unknown target "socketio" for ingest/);
    expect(() => parseBenchArgs(["seed-100", "--targets", "influxdb"])).toThrow(/unknown target "influxdb"/);
    expect(() => parseBenchArgs(["ingest", "--lines", "1000", "--series", "3"])).toThrow(/whole multiple/);
  });

  it("prints the same help from the CLI and from scripts/bench.sh, at once and without setup", () => {
    for (const name of ["seed-100", "abuse", "ingest", "ingest-restart", "ingest-query", "influxdb", "--points"])
      expect(USAGE).toContain(name);
    const started = performance.now();
    // PATH without npm or node: the script must not reach setup (npm install, tsc) or the CLI.
    const r = spawnSync("bash", [fileURLToPath(new URL("../../scripts/bench.sh", import.meta.url)), "--help"], {
      encoding: "utf8",
      env: { PATH: "/usr/bin:/bin" },
      timeout: 10_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd()).toBe(USAGE);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe("the ui scenario's options", () => {
  it("runs 10 minutes unless told, with the issue's workload by default", () => {
    const o = parseBenchArgs(["ui"]);
    expect([o.durationS, o.panels, o.panelSeries, o.ingestRate, o.latencyS]).toEqual([600, 40, 10, 100_000, 60]);
    const short = parseBenchArgs(["ui", "--duration", "30", "--panels", "8", "--ingest-rate", "5000", "--latency=5"]);
    expect([short.durationS, short.panels, short.ingestRate, short.latencyS]).toEqual([30, 8, 5000, 5]);
  });
});
