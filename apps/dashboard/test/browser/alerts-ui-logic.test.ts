/**
 * The pure logic of the UI's alerts and annotations in Node (no browser): the worst state a
 * panel shows, the rule form's body and its checks of webhook URLs, which annotations a panel
 * shows, and the span of annotations a view reads for its range.
 */
import { describe, expect, it } from "vitest";
import { worstState } from "../../ui/src/alerts/alert-board.js";
import { ruleBody, webhookProblem } from "../../ui/src/alerts/rule-form.js";
import { showsOn } from "../../ui/src/annotations/annotation-layer.js";
import { markerText } from "../../ui/src/annotations/chart-markers.js";
import type { AlertEntry, Annotation } from "../../ui/src/api.js";
import { annotationSpan } from "../../ui/src/pages/panel-overlays.js";

const entry = (state: AlertEntry["status"]["state"]): AlertEntry => ({
  rule: {
    id: `r-${state}`,
    title: state,
    series: "x",
    op: "above",
    threshold: 1,
    forSec: 0,
    reduce: "last",
    windowSec: 10,
    webhooks: [],
  },
  version: 1,
  status: { state, since: 0, value: null, evaluatedAt: null },
});

const draft = {
  title: " CPU ",
  series: "cpu,host=a",
  op: "below" as const,
  threshold: "2.5",
  forSec: "30",
  reduce: "mean" as const,
  windowSec: "10",
  dashboard: "",
  panel: "",
  webhooks: "",
};

const annotation = (over: Partial<Annotation>): Annotation => ({
  id: "a",
  time: 1000,
  timeEnd: 1000,
  text: "deploy",
  tags: [],
  createdAt: 1000,
  ...over,
});

describe("alert states on panels", () => {
  it("shows the worst state of a panel's rules: firing > pending > resolved > ok", () => {
    expect(worstState([])).toBe("ok");
    expect(worstState([entry("ok"), entry("resolved")])).toBe("resolved");
    expect(worstState([entry("resolved"), entry("pending"), entry("ok")])).toBe("pending");
    expect(worstState([entry("pending"), entry("firing"), entry("resolved")])).toBe("firing");
  });
});

describe("the rule form", () => {
  it("sends numbers as numbers, trimmed text, and leaves out an empty dashboard and panel", () => {
    expect(ruleBody(draft)).toEqual({
      title: "CPU",
      series: "cpu,host=a",
      op: "below",
      threshold: 2.5,
      forSec: 30,
      reduce: "mean",
      windowSec: 10,
      webhooks: [],
    });
    expect(ruleBody({ ...draft, dashboard: "demo", panel: "cpu" })).toMatchObject({ dashboard: "demo", panel: "cpu" });
  });

  it("refuses a missing number and bad webhook URLs before asking the server", () => {
    expect(() => ruleBody({ ...draft, threshold: " " })).toThrow("threshold: a number is needed");
    expect(() => ruleBody({ ...draft, webhooks: "https://ok.example/h\nftp://x/y" })).toThrow(
      "webhooks.1: must be an http:// or https:// URL",
    );
    expect(() => ruleBody({ ...draft, webhooks: "a\nb\nc\nd\ne\nf" })).toThrow("webhooks: at most 5");
    expect(ruleBody({ ...draft, webhooks: " https://h.example/1 \n\nhttp://127.0.0.1:9/x" }).webhooks).toEqual([
      "https://h.example/1",
      "http://127.0.0.1:9/x",
    ]);
  });

  it("bounds a webhook URL in bytes, not characters", () => {
    const base = "https://h.example/";
    expect(webhookProblem(base + "a".repeat(2048 - base.length))).toBeUndefined();
    // 1000 three-byte characters: under 2048 characters, over 2048 bytes.
    expect(webhookProblem(base + "€".repeat(1000))).toBe("longer than 2048 bytes");
    expect(webhookProblem("not a url")).toBe("not a URL");
    expect(webhookProblem("javascript:alert(1)")).toBe("must be an http:// or https:// URL");
  });
});

describe("annotations on panels", () => {
  it("shows global ones everywhere, a dashboard's on it, a panel's on that panel only", () => {
    expect(showsOn(annotation({}), "d", "p")).toBe(true);
    expect(showsOn(annotation({ dashboard: "d" }), "d", "p")).toBe(true);
    expect(showsOn(annotation({ dashboard: "other" }), "d", "p")).toBe(false);
    expect(showsOn(annotation({ dashboard: "d", panel: "p" }), "d", "p")).toBe(true);
    expect(showsOn(annotation({ dashboard: "d", panel: "q" }), "d", "p")).toBe(false);
  });

  it("reads the range shown: an absolute one as it is, a live one up to a minute ahead", () => {
    expect(annotationSpan({ kind: "absolute", from: 10, to: 20 }, 300_000, 1e6)).toEqual({ from: 10, to: 20 });
    expect(annotationSpan({ kind: "last", spanMs: 3_600_000 }, 300_000, 1e7)).toEqual({
      from: 1e7 - 3_600_000,
      to: 1e7 + 60_000,
    });
    expect(annotationSpan({ kind: "panels" }, 600_000, 1e7)).toEqual({ from: 1e7 - 600_000, to: 1e7 + 60_000 });
  });

  it("puts the text and the tags in a marker's hover text", () => {
    const text = markerText(annotation({ text: "db failover", tags: ["incident", "db"], timeEnd: 61_000 }));
    expect(text).toContain("\ndb failover\n#incident #db");
    expect(text).toContain(" – ");
  });
});
