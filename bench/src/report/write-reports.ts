import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BenchReport } from "./bench-report.js";
import { MAIN_CHART_ID, renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import { renderPng } from "./png.js";

/** Files written for one invocation. */
export interface ReportFiles {
  dir: string;
  markdown: string;
  json: string;
  html: string;
  /** Undefined when the PNG was skipped or failed (`pngError` says why). */
  png?: string;
  pngError?: string;
}

/** Writes report.md, report.json, report.html and (unless disabled) chart.png into `dir`. */
export async function writeReports(report: BenchReport, dir: string, png: boolean): Promise<ReportFiles> {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const files: ReportFiles = {
    dir: out,
    markdown: join(out, "report.md"),
    json: join(out, "report.json"),
    html: join(out, "report.html"),
  };
  writeFileSync(files.markdown, renderMarkdown(report));
  writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files.html, renderHtml(report));
  if (png) {
    const pngPath = join(out, "chart.png");
    try {
      const error = await renderPng(files.html, pngPath, MAIN_CHART_ID);
      if (error) files.pngError = error;
      else files.png = pngPath;
    } catch (error) {
      files.pngError = error instanceof Error ? error.message : String(error);
    }
  }
  return files;
}
