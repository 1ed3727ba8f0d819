/**
 * Ten minutes (or `spanMs`) of the demo feed's history, posted through the ingest API, so every
 * chart of the demo dashboard opens on a full window (the same generator as the live feed).
 * Used by the browser tests, the screenshot script and the UI benchmark.
 */
import { DemoFeed } from "../apps/dashboard/src/feeds/demo-feed.js";

/** A point as `POST /api/v1/metrics` takes it. */
interface JsonPoint {
  name: string;
  tags?: Record<string, string>;
  value: number;
  ts: number;
}

/** Posts the demo feed's points of `[until - spanMs, until - 1 s)` to the app at `url`. */
export async function warmDemoHistory(url: string, until: number, spanMs = 600_000): Promise<void> {
  const points: JsonPoint[] = [];
  const feed = new DemoFeed((name, tags, value, ts) => points.push({ name, tags: tags && { ...tags }, value, ts }), {
    seed: 7,
  });
  const start = Math.floor(until / 1000) * 1000 - spanMs;
  for (let t = start; t < until - 1000; t += 1000) feed.tick(t);
  for (let i = 0; i < points.length; i += 4000) {
    const res = await fetch(`${url}/api/v1/metrics`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(points.slice(i, i + 4000)),
    });
    if (res.status !== 200) throw new Error(`demo history: ingest answered ${res.status}: ${await res.text()}`);
  }
}
