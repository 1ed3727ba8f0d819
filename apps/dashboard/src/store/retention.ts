/**
 * The `--retention` setting: how long each resolution is kept, as `1s=15m,10s=6h,1m=7d` (any
 * subset; units s, m, h, d). The 1 s retention is also the raw-point window: points older than it
 * are refused, because a retry of them could no longer be recognized.
 */
import { defaultResolutions, type Resolution } from "./store.js";

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WIDTHS: Record<string, number> = { "1s": 1000, "10s": 10_000, "1m": 60_000 };

/** Parses a duration such as `15m`; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,6})([smhd])$/.exec(text.trim());
  return m === null ? undefined : Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

/** Parses `--retention`; throws a RangeError naming the bad part. */
export function parseRetention(text: string): Resolution[] {
  const out = defaultResolutions.map((r) => ({ ...r }));
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const [width, value] = part.split("=").map((s) => s.trim());
    const ms = WIDTHS[width ?? ""];
    const retention = parseDuration(value ?? "");
    if (ms === undefined || retention === undefined)
      throw new RangeError(`retention: expected 1s=<n><s|m|h|d>, 10s=…, 1m=… (got ${part.trim()})`);
    (out.find((r) => r.ms === ms) as Resolution).retentionMs = retention;
  }
  for (let i = 0; i < out.length; i++) {
    const r = out[i] as Resolution;
    if (r.retentionMs < Math.max(60_000, r.ms * 10))
      throw new RangeError(`retention: ${r.ms / 1000} s buckets must be kept at least ${Math.max(60, r.ms / 100)} s`);
    if (r.retentionMs / r.ms > 10_000_000) throw new RangeError(`retention: too many ${r.ms / 1000} s buckets`);
  }
  return out;
}

/** Formats resolutions back into the `--retention` form. */
export function formatRetention(resolutions: readonly Resolution[]): string {
  const unit = (ms: number) =>
    ms % 86_400_000 === 0
      ? `${ms / 86_400_000}d`
      : ms % 3_600_000 === 0
        ? `${ms / 3_600_000}h`
        : ms % 60_000 === 0
          ? `${ms / 60_000}m`
          : `${ms / 1000}s`;
  const name = (ms: number) => (ms === 60_000 ? "1m" : `${ms / 1000}s`);
  return resolutions.map((r) => `${name(r.ms)}=${unit(r.retentionMs)}`).join(",");
}
