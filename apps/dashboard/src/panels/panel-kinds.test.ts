/**
 * The panel registry feeds the API's schema: every registered kind round-trips through it with
 * the options it uses, the schema answers as the hand-written one it replaced did (messages
 * pinned), and a kind or option registered elsewhere (here, a test-only one) joins the schema
 * without an edit to it.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { dashboardSchemaFor, type Panel, panelSchema, panelSchemaFor } from "../dashboards/dashboard-schema.js";
import { zodMessage } from "../zod-message.js";
import {
  definePanelKind,
  type PanelKindSpec,
  panelKind,
  panelKinds,
  panelNumber,
  panelRegistry,
} from "./panel-kinds.js";
import { heatmapKind, heatmapOptions, heatmapRegistry } from "../../test/browser/fixtures/heatmap-kind.js";
import { type PanelOptionSpec, panelOptions } from "./panel-options.js";

/** A value for an option, valid by its spec. */
function sample(spec: PanelOptionSpec): unknown {
  switch (spec.type) {
    case "number":
      return spec.min ?? (spec.above !== undefined ? spec.above + 1 : 42);
    case "text":
      return "x".repeat(spec.maxLength);
    case "thresholds":
      return [
        { value: 1, color: "orange" },
        { value: 2, color: "c".repeat(spec.maxColorLength) },
      ];
  }
}

/** A panel of `kind` with every option it uses set. */
function fullPanel(kind: PanelKindSpec, options: Record<string, PanelOptionSpec> = panelOptions) {
  const p: Record<string, unknown> = {
    id: "p1",
    kind: kind.name,
    title: "T",
    series: kind.series ? ["cpu,host=a"] : [],
  };
  for (const name of kind.options) p[name] = sample(options[name] as PanelOptionSpec);
  return p;
}

describe("the panel registry", () => {
  it("round-trips every registered kind through the schema, with every option it uses", () => {
    expect(panelKinds.map((k) => k.name)).toEqual(["timeseries", "stat", "gauge", "table", "online"]);
    for (const kind of panelKinds) {
      const p = fullPanel(kind);
      expect(panelSchema.parse(p), kind.name).toEqual(p);
      expect(panelKind(kind.name)).toBe(kind);
      for (const name of kind.options) expect(Object.hasOwn(panelOptions, name), `${kind.name}.${name}`).toBe(true);
    }
  });

  it("types a panel from the registry", () => {
    expectTypeOf<Panel["kind"]>().toEqualTypeOf<"timeseries" | "stat" | "gauge" | "table" | "online">();
    expectTypeOf<Panel>().toEqualTypeOf<{
      id: string;
      kind: "timeseries" | "stat" | "gauge" | "table" | "online";
      title: string;
      series: string[];
      grid?: { x: number; y: number; w: number; h: number } | undefined;
      windowSec?: number | undefined;
      maxRate?: number | undefined;
      thresholds?: { value: number; color: string }[] | undefined;
      min?: number | undefined;
      max?: number | undefined;
      unit?: string | undefined;
    }>();
  });

  it("answers bad options as the hand-written schema did", () => {
    const base = { id: "p1", kind: "stat", title: "t", series: ["cpu,host=a"] };
    const red = { value: 1, color: "red" };
    const cases: [string, unknown, string][] = [
      ["windowSec", 9, "windowSec: Too small: expected number to be >=10"],
      ["windowSec", 10.5, "windowSec: expected int, received number"],
      ["windowSec", 604_801, "windowSec: Too big: expected number to be <=604800"],
      ["maxRate", 0, "maxRate: Too small: expected number to be >0"],
      ["maxRate", 61, "maxRate: Too big: expected number to be <=60"],
      ["thresholds", Array(11).fill(red), "thresholds: Too big: expected array to have <=10 items"],
      [
        "thresholds",
        [{ value: 1, color: "" }],
        "thresholds.0.color: Too small: expected string to have >=1 characters",
      ],
      [
        "thresholds",
        [{ value: 1, color: "x".repeat(33) }],
        "thresholds.0.color: Too big: expected string to have <=32 characters",
      ],
      ["thresholds", [{ ...red, extra: 1 }], 'thresholds.0: Unrecognized key: "extra"'],
      ["unit", "x".repeat(17), "unit: Too big: expected string to have <=16 characters"],
      ["min", "1", "min: expected number, received string"],
      ["kind", "pie", 'kind: Invalid option: expected one of "timeseries"|"stat"|"gauge"|"table"|"online"'],
      ["bogus", 1, 'Unrecognized key: "bogus"'],
      ["grid", { x: 11, y: 0, w: 2, h: 3 }, "grid: x + w must be at most 12"],
      ["grid", { x: 0, y: 0, w: 0, h: 3 }, "grid.w: Too small: expected number to be >=1"],
      ["grid", { x: 0, y: 0, w: 1, h: 25 }, "grid.h: Too big: expected number to be <=24"],
      ["grid", { x: 0.5, y: 0, w: 1, h: 1 }, "grid.x: expected int, received number"],
      ["grid", { x: 0, y: 0, w: 1, h: 1, z: 1 }, 'grid: Unrecognized key: "z"'],
    ];
    for (const [field, value, message] of cases) {
      const r = panelSchema.safeParse({ ...base, [field]: value });
      expect(r.success ? "accepted" : zodMessage(r.error), field).toBe(message);
    }
    const placed = { ...base, grid: { x: 6, y: 40, w: 6, h: 7 } };
    expect(panelSchema.parse(placed)).toEqual(placed);
  });

  it("accepts an option a kind does not use (changing a panel's kind never invalidates it)", () => {
    const p = {
      id: "o",
      kind: "online",
      title: "",
      series: [],
      min: 1,
      unit: "ms",
      thresholds: [{ value: 1, color: "red" }],
    };
    expect(panelSchema.parse(p)).toEqual(p);
  });

  it("takes a kind and an option registered elsewhere into the schema, without an edit to it", () => {
    const dashboard = dashboardSchemaFor(panelSchemaFor(heatmapRegistry));
    const panel = fullPanel(heatmapKind, heatmapOptions);
    expect(panel).toEqual({ id: "p1", kind: "heatmap", title: "T", series: [], cells: 1, unit: "x".repeat(16) });
    const d = { id: "d", title: "D", panels: [panel] };
    expect(dashboard.parse(d)).toEqual(d);
    const kind: "heatmap" | Panel["kind"] = dashboard.parse(d).panels[0]?.kind ?? "stat";
    expect(kind).toBe("heatmap");
    const bad = dashboard.safeParse({ ...d, panels: [{ ...panel, cells: 0 }] });
    expect(bad.success ? "accepted" : zodMessage(bad.error)).toBe(
      "panels.0.cells: Too small: expected number to be >=1",
    );
    // The built-in schema knows neither.
    expect(panelSchema.safeParse(panel).success).toBe(false);
    const asStat = Object.fromEntries(Object.entries({ ...panel, kind: "stat" }).filter(([k]) => k !== "cells"));
    expect(panelSchema.safeParse(asStat).success).toBe(true);
  });

  it("refuses a registry it cannot build a schema from", () => {
    const stat = panelKind("stat") as PanelKindSpec;
    expect(() => panelSchemaFor({ kinds: [], options: panelOptions })).toThrow(/no kinds/);
    expect(() => panelSchemaFor({ kinds: [stat, stat], options: panelOptions })).toThrow(/stat registered twice/);
    const title = { type: "text", label: "Title", maxLength: 5 } as const;
    expect(() => panelSchemaFor({ kinds: [stat], options: { ...panelOptions, title } })).toThrow(
      /option title is a panel field/,
    );
    const odd = definePanelKind({ name: "odd", label: "Odd", icon: "", series: true, options: ["unit"] });
    expect(() => panelSchemaFor({ kinds: [odd], options: { min: panelOptions.min } })).toThrow(
      /odd uses option unit, which is not registered/,
    );
  });

  it("resolves a number option: the panel's, else its kind's default, else the option's", () => {
    const ts = panelKind("timeseries") as PanelKindSpec;
    const stat = panelKind("stat") as PanelKindSpec;
    expect(panelNumber({}, ts, "maxRate")).toBe(2);
    expect(panelNumber({}, stat, "maxRate")).toBe(4);
    expect(panelNumber({ maxRate: 10 }, stat, "maxRate")).toBe(10);
    expect(panelNumber({}, stat, "windowSec")).toBe(300);
    expect(panelNumber({ windowSec: 60 }, stat, "windowSec")).toBe(60);
    expect(panelNumber({}, stat, "min")).toBeUndefined();
    expect(panelRegistry.kinds).toBe(panelKinds);
  });
});
