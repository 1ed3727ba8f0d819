/// <reference lib="dom" />
/**
 * What the `ui` scenario measures inside the page, installed before the app's own script
 * (`addInitScript`) and drained from Node every few seconds (so its buffers never grow the heap
 * being measured):
 * - frame intervals: a `requestAnimationFrame` loop of its own (the time between two frames);
 * - work per frame: every other `requestAnimationFrame` callback (the app's redraws) timed;
 * - long tasks (> 50 ms) from the `longtask` performance entries;
 * - POST → stat panel latency: when the probe panel's `data-value` changes, the page's clock
 *   (`performance.timeOrigin + performance.now()`, the machine's clock as the sender's) minus
 *   the value, which is the time the point was sent.
 */
import type { CDPSession, Page } from "playwright-core";

/** What a drain returns, ms each. */
export interface PageSample {
  frames: number[];
  work: number[];
  latencies: number[];
  longTasks: number;
}

declare global {
  interface Window {
    __uiBench?: PageSample;
  }
}

/** Installs the probes in every page opened afterwards; `probeSeries` is the stat panel's series. */
export async function installProbes(page: Page, probeSeries: string): Promise<void> {
  await page.addInitScript((series: string) => {
    const b: PageSample = { frames: [], work: [], latencies: [], longTasks: 0 };
    window.__uiBench = b;
    const raf = window.requestAnimationFrame.bind(window);
    let last = 0;
    const loop = (t: number) => {
      if (last > 0) b.frames.push(t - last);
      last = t;
      raf(loop);
    };
    raf(loop);
    window.requestAnimationFrame = (cb: FrameRequestCallback) =>
      raf((t) => {
        const start = performance.now();
        try {
          cb(t);
        } finally {
          b.work.push(performance.now() - start);
        }
      });
    try {
      new PerformanceObserver((list) => {
        b.longTasks += list.getEntries().length;
      }).observe({ entryTypes: ["longtask"] });
    } catch {
      // No long task timing in this browser: counted as 0.
    }
    let seen = "";
    new MutationObserver((records) => {
      const now = performance.timeOrigin + performance.now();
      for (const r of records) {
        const el = r.target as HTMLElement;
        if (el.dataset.series !== series) continue;
        const v = el.dataset.value ?? "";
        if (v === seen) continue;
        seen = v;
        const sent = Number(v);
        if (sent > 1e12) b.latencies.push(now - sent);
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-value"] });
  }, probeSeries);
}

/** Takes what the probes gathered since the last drain (and empties them). */
export function drain(page: Page): Promise<PageSample> {
  return page.evaluate(() => {
    const b = window.__uiBench as PageSample;
    const out = { frames: b.frames, work: b.work, latencies: b.latencies, longTasks: b.longTasks };
    b.frames = [];
    b.work = [];
    b.latencies = [];
    b.longTasks = 0;
    return out;
  });
}

/** The page's JS heap in use after a full garbage collection, MB (what stays, not what waits to be collected). */
export async function heapAfterGc(cdp: CDPSession): Promise<number> {
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  return usedSize / 1_048_576;
}

/** Least-squares slope of `y` over `x`. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
