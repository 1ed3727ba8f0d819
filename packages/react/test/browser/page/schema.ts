/** The test app's schema, shared by the page (typed hooks) and the test's server. */
export type TestSchema = {
  events: { add: { data: { a: number; b: number }; reply: number } };
  topics: { prices: { n: number }; log: string; room: null };
  serverEvents: { notice: { text: string } };
};

/** What the page exposes to the test on `window`. */
export interface PageProbe {
  /** Renders of the latest-mode component. */
  latestRenders: number;
  /** Times a mounted component's effect ran (2 per mount under StrictMode in development). */
  effectRuns: number;
}

declare global {
  interface Window {
    __probe: PageProbe;
  }
}
