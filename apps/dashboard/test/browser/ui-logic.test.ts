/**
 * The UI's pure logic in Node (no browser): the series window that merges back-fill and live
 * buckets, routes, formatting, thresholds, connection status, dashboard cleaning.
 */
import { describe, expect, it } from "vitest";
import { formatValue, seriesLabel, thresholdColor, timeTicks } from "../../ui/src/format.js";
import { toStatus } from "../../ui/src/live/connection.js";
import { stepFor } from "../../ui/src/time/resolution.js";
import { type Bucket, meanOf, rowToBucket, SeriesWindow, toBucket } from "../../ui/src/live/series-window.js";
import { cleanDashboard, slugify } from "../../ui/src/pages/edit-page.js";
import { parseRoute, routeHash } from "../../ui/src/router.js";

const b = (t: number, last: number, count = 1): Bucket => ({ t, count, sum: last * count, min: last, max: last, last });

describe("SeriesWindow", () => {
  it("appends newer buckets and keeps each time once", () => {
    const w = new SeriesWindow({ windowMs: 60_000 });
    expect(w.mergeAll([b(1000, 1), b(2000, 2), b(3000, 3)])).toBe(3);
    expect(w.merge(b(3000, 3))).toBe(true); // same count: refreshed in place, not duplicated
    expect(w.t).toEqual([1000, 2000, 3000]);
    expect(w.latest()?.last).toBe(3);
  });

  it("lets a growing bucket replace its older copy but never a stale one", () => {
    const w = new SeriesWindow();
    w.merge(b(1000, 5, 2));
    expect(w.merge(b(1000, 7, 3))).toBe(true);
    expect(w.merge(b(1000, 1, 1))).toBe(false);
    expect(w.length).toBe(1);
    expect(w.last[0]).toBe(7);
  });

  it("merges a back-fill that answers after live buckets: no gap, no duplicate", () => {
    const w = new SeriesWindow({ windowMs: 60_000 });
    w.mergeAll([b(5000, 5), b(6000, 6)]); // live first
    w.mergeAll([1000, 2000, 3000, 4000, 5000].map((t) => b(t, t / 1000))); // then the query
    expect(w.t).toEqual([1000, 2000, 3000, 4000, 5000, 6000]);
    expect(w.last).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("drops buckets older than the window and beyond the point cap", () => {
    const w = new SeriesWindow({ windowMs: 10_000, maxPoints: 5 });
    for (let t = 0; t <= 20_000; t += 1000) w.merge(b(t, t));
    expect(w.length).toBe(5);
    expect(w.t[0]).toBe(16_000);
    expect(w.merge(b(2000, 1))).toBe(false); // far outside the window: ignored
    const wide = new SeriesWindow({ windowMs: 3000, maxPoints: 100 });
    for (let t = 0; t <= 10_000; t += 1000) wide.merge(b(t, t));
    expect(wide.t).toEqual([7000, 8000, 9000, 10_000]);
  });

  it("reads live payloads and query rows, refusing malformed ones", () => {
    expect(toBucket({ t: 1000, count: 2, sum: 3, min: 1, max: 2, last: 2 })).toEqual({
      t: 1000,
      count: 2,
      sum: 3,
      min: 1,
      max: 2,
      last: 2,
    });
    expect(toBucket({ t: "x", last: 1 })).toBeNull();
    expect(toBucket(null)).toBeNull();
    expect(rowToBucket([1000, 2, 3, 1, 2, 2])).toEqual({ t: 1000, count: 2, sum: 3, min: 1, max: 2, last: 2 });
    expect(rowToBucket([1000, 2])).toBeNull();
    expect(meanOf({ t: 0, count: 4, sum: 10, min: 1, max: 4, last: 4 })).toBe(2.5);
  });
});

describe("routes", () => {
  it("parses and builds the hash routes", () => {
    expect(parseRoute("")).toEqual({ page: "list" });
    expect(parseRoute("#/")).toEqual({ page: "list" });
    expect(parseRoute("#/new")).toEqual({ page: "new" });
    expect(parseRoute("#/alerts")).toEqual({ page: "alerts" });
    expect(routeHash({ page: "alerts" })).toBe("#/alerts");
    expect(parseRoute("#/d/demo")).toEqual({ page: "view", id: "demo", query: "" });
    expect(parseRoute("#/d/demo?from=now-1h&to=now")).toEqual({
      page: "view",
      id: "demo",
      query: "from=now-1h&to=now",
    });
    expect(routeHash({ page: "view", id: "a b", query: "from=now-1h" })).toBe("#/d/a%20b?from=now-1h");
    expect(parseRoute("#/d/my%20board/edit")).toEqual({ page: "edit", id: "my board" });
    expect(parseRoute("#/d/%E0%A4%A")).toEqual({ page: "missing", hash: "#/d/%E0%A4%A" });
    expect(parseRoute("#/nope").page).toBe("missing");
    expect(routeHash({ page: "edit", id: "a b" })).toBe("#/d/a%20b/edit");
  });
});

describe("formatting and thresholds", () => {
  it("formats values by magnitude", () => {
    expect(formatValue(4242.5)).toBe("4,242.5");
    expect(formatValue(0.12345, "%")).toBe("0.1235%");
    expect(formatValue(12.345, "ms")).toBe("12.35 ms");
    expect(formatValue(2_500_000)).toBe("2.5M");
    expect(formatValue(null)).toBe("–");
    expect(formatValue(Number.NaN)).toBe("–");
  });

  it("picks the highest threshold reached", () => {
    const ts = [
      { value: 0, color: "green" },
      { value: 80, color: "red" },
      { value: 50, color: "#ffaa00" },
    ];
    expect(thresholdColor(10, ts, "x")).toBe("var(--ok)");
    expect(thresholdColor(60, ts, "x")).toBe("#ffaa00");
    expect(thresholdColor(95, ts, "x")).toBe("var(--bad)");
    expect(thresholdColor(-1, ts, "x")).toBe("x");
    expect(thresholdColor(5, [], "x")).toBe("x");
  });

  it("labels series and time ticks", () => {
    expect(seriesLabel("cpu.usage,host=a", "cpu.usage")).toBe("host=a");
    expect(seriesLabel("cpu.usage,host=a")).toBe("cpu.usage {host=a}");
    expect(seriesLabel("app.users")).toBe("app.users");
    const t = Date.UTC(2024, 0, 1, 12, 34, 56) / 1000;
    expect(timeTicks([t], 10)[0]).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(timeTicks([t], 300)[0]).toMatch(/^\d\d:\d\d$/);
  });

  it("chooses the step that fits the panel's width: no more buckets than pixels, 300 at least", () => {
    expect(stepFor(300_000, 200)).toBe(1000); // a narrow panel keeps 5 minutes at 1 s
    expect(stepFor(900_000, 1000)).toBe(1000);
    expect(stepFor(900_000, 600)).toBe(10_000);
    expect(stepFor(3_600_000, 600)).toBe(10_000);
    expect(stepFor(3_600_000, 300)).toBe(60_000);
    expect(stepFor(86_400_000, 1500)).toBe(60_000);
    expect(stepFor(7 * 86_400_000, 800)).toBe(900_000); // rolled up in the page from minutes
    expect(stepFor(366 * 86_400_000, 800)).toBe(3_600_000); // the widest step
  });
});

describe("connection status", () => {
  it("tells a first connect from a reconnect", () => {
    expect(toStatus("connecting", false)).toBe("connecting");
    expect(toStatus("connected", false)).toBe("connected");
    expect(toStatus("connecting", true)).toBe("reconnecting");
    expect(toStatus("disconnected", true)).toBe("disconnected");
  });
});

describe("editor helpers", () => {
  it("slugifies titles into valid dashboard ids", () => {
    expect(slugify("Browser Board")).toBe("browser-board");
    expect(slugify("  Ünïcode — Ops!! ")).toBe("unicode-ops");
    expect(slugify("???")).toBe("dashboard");
    expect(slugify("x".repeat(100))).toHaveLength(48);
  });

  it("sends only the fields the API accepts", () => {
    const d = cleanDashboard({
      id: " ops ",
      title: "",
      panels: [
        { id: "p1", kind: "stat", title: " CPU ", series: ["cpu"], thresholds: [], unit: "" },
        {
          id: "p2",
          kind: "online",
          title: "Who",
          series: ["ignored"],
          thresholds: [{ value: 1, color: "red" }],
          grid: { x: 3, y: 0, w: 2, h: 2 },
        },
      ],
      variables: [
        { name: " host ", tag: "host", match: "", default: " " },
        { name: "", tag: "" },
      ],
    });
    expect(d).toEqual({
      id: "ops",
      title: "ops",
      // Variables trimmed, empty fields and blank rows left out.
      variables: [{ name: "host", tag: "host" }],
      panels: [
        { id: "p1", kind: "stat", title: "CPU", series: ["cpu"] },
        // The place on the grid is kept whatever the kind.
        { id: "p2", kind: "online", title: "Who", series: [], grid: { x: 3, y: 0, w: 2, h: 2 } },
      ],
    });
  });

  it("saves of each panel the options its kind uses, in the kind's order", () => {
    const thresholds = [{ value: 80, color: "red" }];
    const all = { windowSec: 60, maxRate: 1, min: 0, max: 10, unit: "%", thresholds };
    const d = cleanDashboard({
      id: "k",
      title: "K",
      panels: [
        { id: "g", kind: "gauge", title: "G", series: ["cpu"], ...all },
        // Options a stat does not use (left over from a gauge it was) are not saved.
        { id: "s", kind: "stat", title: "S", series: ["cpu"], ...all },
        { id: "o", kind: "online", title: "O", series: ["cpu"], ...all },
      ],
    });
    expect(d.panels).toEqual([
      { id: "g", kind: "gauge", title: "G", series: ["cpu"], ...all },
      { id: "s", kind: "stat", title: "S", series: ["cpu"], windowSec: 60, maxRate: 1, unit: "%", thresholds },
      { id: "o", kind: "online", title: "O", series: [] },
    ]);
    expect(Object.keys(d.panels[0] ?? {})).toEqual([
      ...["id", "kind", "title", "series"],
      ...["windowSec", "maxRate", "min", "max", "unit", "thresholds"],
    ]);
    // A copy: editing the draft afterwards does not change what was sent.
    thresholds[0]!.value = 1;
    expect(d.panels[0]?.thresholds).toEqual([{ value: 80, color: "red" }]);
  });
});
