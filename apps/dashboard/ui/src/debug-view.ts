import type { TimeRange } from "./time/time-range.js";

/** What `window.__dashwire.view()` shows of the dashboard on screen: for the devtools console and browser tests. */
export interface DebugView {
  dashboard: string;
  /** Animation frames drawn so far. */
  frames: number;
  /** The dashboard's time range. */
  range: TimeRange;
  /** The variables' current values. */
  variables: Record<string, string>;
  panels: {
    id: string;
    kind: string;
    /**
     * One per series: its live state (and whether the server confirmed its subscription),
     * publications received, its bucket width and the bucket times held.
     */
    feeds: { series: string; state: string; subscribed: boolean; received: number; step: number; t: number[] }[];
  }[];
}

declare global {
  interface Window {
    /** Read-only snapshot of the live view (null when no dashboard is on screen). */
    __dashwire?: { view(): DebugView | null };
  }
}
