import { describe, expect, it } from "vitest";
import { benchDefaults, parseBenchArgs, UsageError } from "../src/bench-options.js";

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
  });
});
