import { type Annotation, type AnnotationEvent, listAnnotations } from "../api.js";
import type { LiveClient } from "../live/live-client.js";
import { TopicRead } from "../live/topic-read.js";

/** The topic the server publishes annotation changes on (urgent). */
export const ANNOTATIONS_TOPIC = "annotations";

/**
 * Most annotations a page holds. The API answers at most 1000 per read; live additions past the
 * limit push out the oldest by time (the ones furthest in the past of a live view).
 */
export const MAX_LAYER_ANNOTATIONS = 1000;

/** Whether an annotation is shown on panel `panel` of the dashboard (global, the dashboard's, or that panel's). */
export function showsOn(a: Annotation, dashboard: string, panel: string): boolean {
  if (a.dashboard !== undefined && a.dashboard !== dashboard) return false;
  return a.panel === undefined || a.panel === panel;
}

/** Whether the topic's data is an annotation change this page can apply. */
function isEvent(data: unknown): data is AnnotationEvent {
  if (typeof data !== "object" || data === null) return false;
  const e = data as { kind?: unknown; id?: unknown; annotation?: Partial<Annotation> };
  if (e.kind === "deleted") return typeof e.id === "string";
  const a = e.annotation;
  return e.kind === "added" && typeof a === "object" && typeof a.id === "string" && typeof a.time === "number";
}

/**
 * The annotations of one dashboard view: those of the range shown, read from the API when the
 * range changes (so a range looked back at shows its markers), and kept live from the
 * `annotations` topic (a POSTed annotation appears on open pages without a reload; a deleted one
 * goes). The subscription is made first and the range read again at each confirmation
 * (reconnect, gap), so nothing published meanwhile is missed.
 */
export class AnnotationLayer {
  private readonly byId = new Map<string, Annotation>();
  private readonly listeners = new Set<() => void>();
  private readonly live: TopicRead<Annotation[]>;

  /** `bounds`: the span to read, asked at each read (a live range moves). */
  constructor(
    client: LiveClient,
    private readonly dashboard: string,
    bounds: () => { from: number; to: number },
  ) {
    this.live = new TopicRead(client, ANNOTATIONS_TOPIC, {
      load: async (signal) => {
        const { from, to } = bounds();
        return (await listAnnotations(from, to, dashboard, signal)).annotations;
      },
      loaded: (list) => {
        this.byId.clear();
        for (const a of list) this.byId.set(a.id, a);
        this.emit();
      },
      failed: () => {}, // markers are extra: a failed read leaves the panels' data as it is
      event: (data) => this.apply(data),
    });
  }

  /** Subscribes and reads. */
  start(): void {
    this.live.start();
  }

  /** Reads the span again (the range changed). */
  reload(): void {
    this.live.read();
  }

  /** The annotations held, ascending by time. */
  list(): Annotation[] {
    return [...this.byId.values()].sort((a, b) => a.time - b.time || a.id.localeCompare(b.id));
  }

  /** Calls `cb` after every change. */
  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  stop(): void {
    this.live.stop();
    this.listeners.clear();
  }

  private apply(data: unknown): void {
    if (!isEvent(data)) return;
    if (data.kind === "deleted") {
      if (this.byId.delete(data.id)) this.emit();
      return;
    }
    const a = data.annotation;
    if (a.dashboard !== undefined && a.dashboard !== this.dashboard) return;
    this.byId.set(a.id, a);
    if (this.byId.size > MAX_LAYER_ANNOTATIONS) {
      const oldest = this.list()[0];
      if (oldest !== undefined) this.byId.delete(oldest.id);
    }
    this.emit();
  }

  private emit(): void {
    for (const cb of [...this.listeners]) cb();
  }
}
