/** Something that draws itself when asked. */
export interface Drawable {
  draw(): void;
}

/**
 * JS time one frame spends drawing, ms: past it the drawables left wait for the next frame.
 * A chart's canvas drawing is also rasterized on the main thread at the frame's commit (in
 * software-rendered Chromium), after this, so the budget leaves most of a 16.7 ms frame for that.
 */
export const FRAME_BUDGET_MS = 6;

/**
 * Coalesces redraws onto animation frames: live messages only mark a drawable dirty, and each
 * dirty drawable draws once on a coming frame however many messages arrived. A frame draws
 * until `FRAME_BUDGET_MS` is spent (at least one drawable, so every frame makes progress) and
 * leaves the rest, first in line, to the next: the panels of a dashboard all get data at once
 * (series written together), and drawing them all in one frame made it one long frame in
 * every round. Browsers do not run frames in hidden tabs, so nothing is drawn while hidden;
 * the set holds each drawable at most once, so it stays bounded by the number of panels.
 */
export class FrameScheduler {
  private dirty = new Set<Drawable>();
  private frame = 0;
  /** Frames run so far (for the debug hook and tests). */
  frames = 0;

  /** Asks for `d` to be drawn on the next frame. */
  request(d: Drawable): void {
    this.dirty.add(d);
    if (this.frame === 0) this.frame = requestAnimationFrame(this.run);
  }

  /** Forgets `d` (e.g. when its panel is destroyed). */
  cancel(d: Drawable): void {
    this.dirty.delete(d);
  }

  private readonly run = (): void => {
    this.frame = 0;
    this.frames++;
    const start = performance.now();
    const batch = [...this.dirty];
    this.dirty.clear();
    let i = 0;
    for (; i < batch.length; i++) {
      if (i > 0 && performance.now() - start >= FRAME_BUDGET_MS) break;
      try {
        (batch[i] as Drawable).draw();
      } catch (err) {
        // One broken panel must not stop the others from drawing.
        console.error("dashwire: panel draw failed", err);
      }
    }
    if (i === batch.length) return;
    // Over budget: the rest go first next frame, before those asked for while this one drew.
    const asked = this.dirty;
    this.dirty = new Set(batch.slice(i));
    for (const d of asked) this.dirty.add(d);
    if (this.frame === 0) this.frame = requestAnimationFrame(this.run);
  };
}
