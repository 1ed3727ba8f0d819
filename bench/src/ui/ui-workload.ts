/**
 * What the `ui` scenario shows and sends: a dashboard of `panels` time-series panels of
 * `seriesPerPanel` series each at `maxRate` 10 (plus a probe dashboard with one stat panel),
 * the feed that keeps every shown series moving, and the line-protocol bodies of the ingest load.
 */

/** The shown series of panel `p`, series `s`: `bench.ui,p=07,s=3`. */
export function shownSeries(p: number, s: number): string {
  return `bench.ui,p=${String(p).padStart(2, "0")},s=${s}`;
}

/** The probe's series: its values are the time (ms) they were sent. */
export const PROBE_SERIES = "bench.probe,k=latency";

/** A panel as the dashboard API takes it. */
interface PanelBody {
  id: string;
  kind: "timeseries" | "stat";
  title: string;
  series: string[];
  maxRate: number;
}

/** The dashboard measured for frames and heap: `panels` × `seriesPerPanel`, every panel at `maxRate` 10. */
export function benchDashboard(
  panels: number,
  seriesPerPanel: number,
): { id: string; title: string; panels: PanelBody[] } {
  return {
    id: "bench-ui",
    title: `Bench: ${panels} panels × ${seriesPerPanel} series`,
    panels: Array.from({ length: panels }, (_, p) => ({
      id: `p${p}`,
      kind: "timeseries" as const,
      title: `Panel ${p}`,
      series: Array.from({ length: seriesPerPanel }, (_, s) => shownSeries(p, s)),
      maxRate: 10,
    })),
  };
}

/** The dashboard the latency is read on: one stat panel of the probe series, at `maxRate` 10. */
export const probeDashboard = {
  id: "bench-probe",
  title: "Bench: POST to stat panel",
  panels: [{ id: "probe", kind: "stat", title: "Probe", series: [PROBE_SERIES], maxRate: 10 }],
};

/** One JSON batch of a point for every shown series at `ts` (values wander, so charts move). */
export function feedBatch(panels: number, seriesPerPanel: number, ts: number): object[] {
  const out: object[] = [];
  for (let p = 0; p < panels; p++)
    for (let s = 0; s < seriesPerPanel; s++)
      out.push({
        name: "bench.ui",
        tags: { p: String(p).padStart(2, "0"), s: String(s) },
        value: 50 + 40 * Math.sin(ts / 20_000 + p + s / 3) + Math.random() * 5,
        ts,
      });
  return out;
}

/** Series the ingest load spreads its points over. */
export const LOAD_SERIES = 1000;

/**
 * A line-protocol body of `lines` points sent at `now` (ms precision): `bench_load,host=h0042
 * v=… <ts>`, the series taken in turn from `first`, each point of a series in the body 1 ms
 * before the previous one, so no two points of a run share a series and a millisecond.
 */
export function loadBody(lines: number, first: number, now: number): string {
  let body = "";
  for (let i = 0; i < lines; i++) {
    const k = (first + i) % LOAD_SERIES;
    const ts = now - Math.floor(i / LOAD_SERIES);
    body += `bench_load,host=h${k} v=${(k % 97) + (i % 13) / 10} ${ts}\n`;
  }
  return body;
}
