import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CpuMeter, isClientBound } from "../src/load/cpu-meter.js";
import {
  CLOCK_TICKS,
  cpuShare,
  processTree,
  readCpuJiffies,
  readProcStat,
  sampleTree,
  stealShare,
} from "../src/metrics/proc-sampler.js";

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin: the point is to use CPU
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("client-bound detection", () => {
  it("flags a saturated core (> 90 %) and not a mostly idle one", () => {
    expect(isClientBound(0.95)).toBe(true);
    expect(isClientBound(0.9)).toBe(false);
    expect(isClientBound(0.3)).toBe(false);
    const meter = new CpuMeter({ saturatedAbove: 0.9 });
    expect(meter.isSaturated({ share: 0.97, waitShare: 0, elapsedMs: 1000 })).toBe(true);
    expect(meter.isSaturated({ share: 0.5, waitShare: 0, elapsedMs: 1000 })).toBe(false);
    // Starved by other processes on its core: it wanted the CPU 95 % of the time.
    expect(meter.isSaturated({ share: 0.4, waitShare: 0.55, elapsedMs: 1000 })).toBe(true);
  });

  it("measures this process's own CPU: a spinning loop reads high, sleeping reads low", async () => {
    const meter = new CpuMeter();
    busy(400);
    const spinning = meter.read();
    await sleep(400);
    const idle = meter.read();
    // Other processes share these cores, so a spin may not get a full core: compare, don't pin.
    expect(spinning.share).toBeGreaterThan(0.2);
    expect(spinning.share).toBeGreaterThan(3 * idle.share);
    expect(spinning.elapsedMs).toBeGreaterThanOrEqual(399);
    meter.mark();
    busy(200);
    expect(meter.sinceMark().share).toBeGreaterThan(0.2);
  });
});

describe("/proc sampling", () => {
  it("reads the jiffies of chosen CPUs, and the share the hypervisor stole", async () => {
    const a = readCpuJiffies([0]);
    await sleep(100);
    const b = readCpuJiffies([0]);
    const both = readCpuJiffies([0, 1]);
    expect(b.total).toBeGreaterThan(a.total);
    expect(both.total).toBeGreaterThan(b.total);
    expect(b.steal).toBeGreaterThanOrEqual(a.steal);
    expect(stealShare(a, a)).toBe(0);
    expect(stealShare({ total: 100, steal: 10 }, { total: 300, steal: 60 })).toBe(25);
  });

  it("reads this process", () => {
    const s = readProcStat(process.pid);
    expect(s?.pid).toBe(process.pid);
    expect(s?.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
  });

  it("counts the CPU and memory of the whole process tree", async () => {
    // A shell (idle) whose child spins: the tree's CPU must include the child's.
    const script = "const e=Date.now()+3000;while(Date.now()<e){}";
    const parent = spawn("sh", ["-c", `"${process.execPath}" -e '${script}'; true`], { stdio: "ignore" });
    try {
      await sleep(300);
      const a = sampleTree(parent.pid as number);
      const child = processTree(parent.pid as number)[1];
      const childBefore = child ? readProcStat(child.pid) : undefined;
      await sleep(1000);
      const b = sampleTree(parent.pid as number);
      const childAfter = child ? readProcStat(child.pid) : undefined;
      expect(a && b && childBefore && childAfter).toBeTruthy();
      if (!a || !b || !childBefore || !childAfter) return;
      expect(b.processes).toBe(2);
      // The shell idles; the tree's CPU is the child's spinning (however much of a core it got).
      const childSeconds = (childAfter.ticks - childBefore.ticks) / CLOCK_TICKS;
      expect(childSeconds).toBeGreaterThan(0.1);
      expect(b.cpuSeconds - a.cpuSeconds).toBeGreaterThanOrEqual(childSeconds - 0.02);
      expect(cpuShare(a, b)).toBeGreaterThan(0.1);
      expect(b.rssBytes).toBeGreaterThan(20 * 1024 * 1024);
    } finally {
      parent.kill("SIGKILL");
    }
    expect(sampleTree(2 ** 22 + 12345)).toBeUndefined();
  });
});
