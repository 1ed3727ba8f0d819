/** `dashwire send <metric> <value> [tag=value…]`: one point to a running server. */
import { parseArgs } from "node:util";
import { checkSeries, type Tags } from "../series/series-id.js";
import { SEND_HELP } from "./help.js";
import type { CliIo } from "./io.js";

/** Runs `send`; resolves with the exit code. */
export async function sendCommand(args: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    io.err(`dashwire send: ${(err as Error).message}\n\n${SEND_HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(SEND_HELP);
    return 0;
  }
  const [name, rawValue, ...tagArgs] = positionals;
  if (name === undefined || rawValue === undefined) {
    io.err(`dashwire send: <metric> and <value> are required\n\n${SEND_HELP}`);
    return 2;
  }
  const value = rawValue === "true" ? 1 : rawValue === "false" ? 0 : Number(rawValue);
  if (rawValue.trim() === "" || !Number.isFinite(value)) {
    io.err(`dashwire send: value must be a number, got ${rawValue}`);
    return 2;
  }
  const tags: Tags = {};
  for (const t of tagArgs) {
    const eq = t.indexOf("=");
    if (eq <= 0) {
      io.err(`dashwire send: tags are key=value, got ${t}`);
      return 2;
    }
    tags[t.slice(0, eq)] = t.slice(eq + 1);
  }
  const why = checkSeries(name, tags);
  if (why !== undefined) {
    io.err(`dashwire send: ${why}`);
    return 2;
  }
  let ts: number | undefined;
  if (values.ts !== undefined) {
    ts = Number(values.ts);
    if (!Number.isFinite(ts)) {
      io.err(`dashwire send: --ts must be ms since the epoch, got ${values.ts}`);
      return 2;
    }
  }
  const base =
    values.url ??
    io.env.DASHWIRE_URL ??
    `http://${io.env.DASHWIRE_HOST ?? "127.0.0.1"}:${io.env.DASHWIRE_PORT ?? "8080"}`;
  const key = values["api-key"] ?? io.env.DASHWIRE_API_KEY;
  const point: Record<string, unknown> = { name, value };
  if (tagArgs.length > 0) point.tags = tags;
  if (ts !== undefined) point.ts = ts;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== undefined && key !== "") headers.authorization = `Bearer ${key}`;
  let res: Response;
  try {
    res = await fetch(new URL("/api/v1/metrics", base), {
      method: "POST",
      headers,
      body: JSON.stringify(point),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    io.err(`dashwire send: cannot reach ${base} (${(err as Error).cause ?? (err as Error).message})`);
    return 1;
  }
  const text = await res.text();
  if (res.ok) {
    io.out(`stored ${name}=${value}${tagArgs.length > 0 ? ` ${tagArgs.join(" ")}` : ""}`);
    return 0;
  }
  let message = text;
  try {
    const body = JSON.parse(text) as { error?: { message?: string }; rejected?: Array<{ error?: string }> };
    message = body.error?.message ?? body.rejected?.[0]?.error ?? text;
  } catch {
    // not JSON: print as is
  }
  io.err(`dashwire send: refused (HTTP ${res.status}): ${message}`);
  return 1;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: "string" },
      "api-key": { type: "string" },
      ts: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
