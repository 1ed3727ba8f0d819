/** Something that draws itself when asked. */
export interface Drawable {
  draw(): void;
}

/**
 * Coalesces redraws onto animation frames: live messages only mark a drawable dirty, and each
 * dirty drawable draws once on the next frame however many messages arrived. Browsers do not
 * run frames in hidden tabs, so nothing is drawn while hidden; the set holds each drawable at
 * most once, so it stays bounded by the number of panels on screen.
 */
export class FrameScheduler {
  private readonly dirty = new Set<Drawable>();
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
    const batch = [...this.dirty];
    this.dirty.clear();
    for (const d of batch) {
      try {
        d.draw();
      } catch (err) {
        // One broken panel must not stop the others from drawing.
        console.error("dashwire: panel draw failed", err);
      }
    }
  };
}
