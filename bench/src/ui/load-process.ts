/**
 * The `ui` scenario's ingest load, its own process (pinned by the caller with `taskset`):
 * `rate` line-protocol points a second to `POST /api/v1/metrics?precision=ms`, in bodies of
 * `lines` points sent on a fixed schedule (open loop: a body is due every lines / rate seconds
 * whatever the answers do) over `connections` keep-alive connections. A body due while every
 * connection is busy is not sent and counted as `skipped` (the server is behind). Prints one JSON
 * line a second: bodies sent, acknowledged (2xx), failed, skipped, and the points acknowledged.
 *
 *   node load-process.js <url> <rate> <lines> <connections>
 */
import http from "node:http";
import { LOAD_SERIES, loadBody } from "./ui-workload.js";

const [url, rateText, linesText, connText] = process.argv.slice(2);
const rate = Number(rateText);
const lines = Number(linesText);
const connections = Number(connText);
if (!url || !(rate > 0) || !(lines > 0) || !(connections > 0)) {
  console.error("usage: load-process <url> <rate> <lines> <connections>");
  process.exit(2);
}
const target = new URL("/api/v1/metrics?precision=ms", url);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const counts = { sent: 0, ok: 0, failed: 0, skipped: 0, points: 0 };
let busy = 0;
let first = 0;
let lastNow = 0;

function send(): void {
  if (busy >= connections) {
    counts.skipped++;
    return;
  }
  busy++;
  counts.sent++;
  // A body's points of one series are 1 ms apart, its oldest `floor((lines - 1) / LOAD_SERIES)`
  // ms before its newest: each body starts after the last one ended, so two bodies sent in one
  // millisecond do not repeat a series and timestamp (the store takes that as a retry, the
  // point replaced, not as new points).
  const now = Math.max(Date.now(), lastNow + Math.floor((lines - 1) / LOAD_SERIES) + 1);
  lastNow = now;
  const body = loadBody(lines, first, now);
  first = (first + lines) % 1_000_000;
  const req = http.request(
    target,
    { method: "POST", agent, headers: { "content-type": "text/plain", "content-length": Buffer.byteLength(body) } },
    (res) => {
      res.resume();
      res.on("end", () => {
        busy--;
        if (res.statusCode !== undefined && res.statusCode < 300) {
          counts.ok++;
          counts.points += lines;
        } else counts.failed++;
      });
    },
  );
  req.on("error", () => {
    busy--;
    counts.failed++;
  });
  req.end(body);
}

const everyMs = (lines / rate) * 1000;
const started = performance.now();
let due = 0;
// A timer every few ms sends the bodies that came due (setInterval alone drifts under load).
setInterval(
  () => {
    const now = performance.now() - started;
    while (due <= now) {
      send();
      due += everyMs;
    }
  },
  Math.max(1, Math.min(10, everyMs / 2)),
);
setInterval(() => {
  process.stdout.write(`${JSON.stringify(counts)}\n`);
}, 1000);
