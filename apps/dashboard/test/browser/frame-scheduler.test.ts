/**
 * The UI's frame scheduler in Node, with the frames and the clock in the test's hands: redraws
 * asked for together are spread over frames once a frame's drawing budget is spent, the ones
 * left over go first, and every frame draws at least one.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FRAME_BUDGET_MS, FrameScheduler } from "../../ui/src/frame-scheduler.js";

let clock = 0;
let frames: FrameRequestCallback[] = [];
beforeEach(() => {
  clock = 0;
  frames = [];
  vi.spyOn(performance, "now").mockImplementation(() => clock);
  vi.stubGlobal("requestAnimationFrame", (cb: FrameRequestCallback) => frames.push(cb));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

/** Runs the frame asked for (exactly one must be pending). */
function nextFrame(): void {
  expect(frames.length).toBe(1);
  const cb = frames.shift() as FrameRequestCallback;
  cb(clock);
}

/** A drawable that takes `ms` of the clock and logs its name. */
function panel(name: string, ms: number, log: string[]) {
  return {
    draw() {
      log.push(name);
      clock += ms;
    },
  };
}

describe("FrameScheduler", () => {
  it("spreads draws over frames past the budget, the ones left over first", () => {
    const s = new FrameScheduler();
    const log: string[] = [];
    const step = FRAME_BUDGET_MS / 2 + 0.5; // two fit in a frame's budget, not three
    const panels = ["a", "b", "c", "d", "e"].map((n) => panel(n, step, log));
    for (const p of panels) s.request(p);
    nextFrame();
    expect(log).toEqual(["a", "b"]);
    // Asked for again meanwhile: drawn once, after those waiting since the last frame.
    s.request(panels[0] as (typeof panels)[number]);
    nextFrame();
    expect(log).toEqual(["a", "b", "c", "d"]);
    nextFrame();
    expect(log).toEqual(["a", "b", "c", "d", "e", "a"]);
    expect(frames.length).toBe(0);
  });

  it("draws at least one per frame however long it takes, and keeps one broken from the others", () => {
    const s = new FrameScheduler();
    const log: string[] = [];
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    s.request({
      draw() {
        clock += FRAME_BUDGET_MS * 10;
        throw new Error("broken");
      },
    });
    s.request(panel("slow", FRAME_BUDGET_MS * 10, log));
    nextFrame();
    expect(error).toHaveBeenCalledTimes(1);
    nextFrame();
    expect(log).toEqual(["slow"]);
    expect([frames.length, s.frames]).toEqual([0, 2]);
  });
});
