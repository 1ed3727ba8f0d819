/**
 * StatsD lines (etsy/statsd and DogStatsD): `<name>:<value>|<type>[|@<rate>][|#<tags>]`, several
 * lines a datagram separated by `\n`. Types: `c` counter, `g` gauge (`+n`/`-n`: a change of the
 * last value), `ms`/`h`/`d` timer, histogram and distribution (all aggregated alike), `s` set.
 * DogStatsD's `|#k:v,k2` tags become tags (a bare `k2` is `k2=true`, as Telegraf reads it), and
 * its packed values (`name:1:2:3|ms`) are several samples. Other DogStatsD fields (`|c:<container>`,
 * `|T<timestamp>`) are read past; events (`_e{…}`) and service checks (`_sc|…`) are ignored.
 * Names and tags are kept as written and bounded like every series (`checkSeries`).
 */
import { checkSeries, makeTags, type Tags } from "../series/series-id.js";
import { parseDecimal } from "./graphite-lines.js";

/** Longest StatsD line, bytes (a datagram may hold several). */
export const MAX_STATSD_LINE_BYTES = 8192;

/** How a sample is aggregated. */
export type StatsdKind = "counter" | "gauge" | "timer" | "set";

const KINDS: Record<string, StatsdKind> = { c: "counter", g: "gauge", ms: "timer", h: "timer", d: "timer", s: "set" };

/** The longest suffix a timer adds to its name (`.count`), checked with the name. */
export const LONGEST_TIMER_SUFFIX = ".count";

/** One parsed line. */
export interface StatsdSample {
  name: string;
  tags: Tags | undefined;
  kind: StatsdKind;
  /** Counter, gauge and timer values, in order. */
  values: number[];
  /** Gauges: whether each value is a change (`+n`, `-n`) rather than a new value. */
  deltas: boolean[];
  /** Set members. */
  members: string[];
  /** Sample rate (`@0.1`: one sample in ten was sent), 1 when absent. */
  rate: number;
}

/** Splits DogStatsD tags `k:v,k2` into `tags`, or says why it cannot. */
function readTags(text: string, tags: Tags): string | undefined {
  let count = 0;
  for (const item of text.split(",")) {
    if (item === "") continue;
    // The series limit is 32 tags: past twice that there is no use reading on.
    if (++count > 64) return "too many tags";
    const colon = item.indexOf(":");
    const key = colon === -1 ? item : item.slice(0, colon);
    if (key in tags) return `tag ${JSON.stringify(key.slice(0, 40))} given twice`;
    tags[key] = colon === -1 ? "true" : item.slice(colon + 1);
  }
  return undefined;
}

/** The sample of one line, `null` when the line is ignored (an event, a service check), or why it is refused. */
export function parseStatsdLine(line: string): StatsdSample | null | string {
  if (line.startsWith("_e{") || line.startsWith("_sc|")) return null;
  const bar = line.indexOf("|");
  const colon = line.indexOf(":");
  if (bar === -1 || colon === -1 || colon > bar) return 'expected "<name>:<value>|<type>"';
  const name = line.slice(0, colon);
  const fields = line.slice(bar + 1).split("|");
  const kind = KINDS[fields[0] as string];
  if (kind === undefined) return `unknown type ${JSON.stringify((fields[0] as string).slice(0, 20))}`;
  let rate = 1;
  let tags: Tags | undefined;
  for (let i = 1; i < fields.length; i++) {
    const f = fields[i] as string;
    if (f.startsWith("@")) {
      rate = parseDecimal(f.slice(1));
      if (!(rate > 0 && rate <= 1)) return `invalid sample rate ${JSON.stringify(f.slice(0, 20))} (0 < rate ≤ 1)`;
    } else if (f.startsWith("#")) {
      tags ??= makeTags();
      const why = readTags(f.slice(1), tags);
      if (why !== undefined) return why;
    }
  }
  if (tags !== undefined && Object.keys(tags).length === 0) tags = undefined;
  const why = checkSeries(kind === "timer" ? name + LONGEST_TIMER_SUFFIX : name, tags);
  if (why !== undefined) return why;
  const sample: StatsdSample = { name, tags, kind, values: [], deltas: [], members: [], rate };
  for (const text of line.slice(colon + 1, bar).split(":")) {
    if (kind === "set") {
      if (text === "") return "empty set member";
      sample.members.push(text);
      continue;
    }
    const v = parseDecimal(text);
    if (!Number.isFinite(v)) return `invalid value ${JSON.stringify(text.slice(0, 40))}`;
    sample.values.push(v);
    sample.deltas.push(kind === "gauge" && (text.startsWith("+") || text.startsWith("-")));
  }
  return sample;
}
