/**
 * The StatsD listener (`--statsd 127.0.0.1:8125`): UDP datagrams of lines (statsd-lines.ts),
 * aggregated per flush interval (statsd-aggregator.ts) and stored as points at each interval's
 * end, stamped with its last millisecond, so a 1 s interval fills exactly its second.
 *
 * Counted as format `statsd`: `accepted` are the values aggregated, `ignored` the DogStatsD
 * events and service checks, `refused` the lines that are malformed or over a limit (bytes, UTF-8,
 * names and tags, series or set members per interval) and the flushed points the store refused.
 * UDP is fire-and-forget: a datagram the kernel dropped (receive buffer full) is not seen here.
 *
 * Intervals are flushed one at a time: when the previous flush is still being stored, or the
 * ingest gate is full, the interval goes on and is flushed with the next one (its counts then
 * cover both), so a slow store costs resolution, never memory.
 *
 * One process aggregates: with `--workers N` only the first worker binds the port (`exclusive`),
 * so no two aggregates of one series and interval exist (they would replace each other in the
 * store).
 */
import { isUtf8 } from "node:buffer";
import dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { type ListenerDeps, RefusalLog } from "./listener-deps.js";
import type { Point } from "./point.js";
import { StatsdAggregator } from "./statsd-aggregator.js";
import { MAX_STATSD_LINE_BYTES, parseStatsdLine } from "./statsd-lines.js";

/** Receive buffer asked of the kernel (capped by `net.core.rmem_max`), bytes. */
const RECV_BUFFER_BYTES = 4 * 1024 * 1024;

/** Options of `StatsdListener`. */
export interface StatsdListenerOptions {
  host: string;
  /** UDP port (0: a free one). */
  port: number;
  /** Length of a flush interval, ms. */
  flushMs: number;
  /** Most series per interval. */
  maxKeys: number;
  /** Most set members per interval, all sets together. */
  maxSetMembers: number;
}

/** The UDP listener and its flush timer; see the file comment. */
export class StatsdListener {
  private readonly socket: dgram.Socket;
  private readonly aggregator: StatsdAggregator;
  private readonly refusals: RefusalLog;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  /** The stamp of the last flush: two flushes never share one (the second would replace the first). */
  private lastTs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: StatsdListenerOptions,
    private readonly deps: ListenerDeps,
  ) {
    this.aggregator = new StatsdAggregator({ maxKeys: options.maxKeys, maxSetMembers: options.maxSetMembers });
    this.refusals = new RefusalLog("statsd", deps.warn);
    this.socket = dgram.createSocket({ type: net.isIPv6(options.host) ? "udp6" : "udp4" });
    this.socket.on("message", (msg, rinfo) => {
      try {
        this.take(msg, rinfo.address);
      } catch (err) {
        deps.warn(err, "statsd: a datagram could not be handled");
      }
    });
    this.socket.on("error", (err) => deps.warn(err, "statsd listener error"));
  }

  /** Binds the port and starts flushing; resolves with the bound address. */
  start(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.socket.once("error", reject);
      this.socket.bind({ address: this.options.host, port: this.options.port, exclusive: true }, () => {
        this.socket.off("error", reject);
        try {
          this.socket.setRecvBufferSize(RECV_BUFFER_BYTES);
        } catch {
          // The default buffer works; a bigger one only absorbs longer bursts.
        }
        this.schedule();
        resolve(this.socket.address());
      });
    });
  }

  /** Aggregates the lines of one datagram and counts them. */
  private take(msg: Buffer, from: string): void {
    let accepted = 0;
    let ignored = 0;
    let refused = 0;
    let first: string | undefined;
    for (let start = 0; start < msg.length; ) {
      let end = msg.indexOf(10, start);
      if (end === -1) end = msg.length;
      let stop = end;
      if (stop > start && msg[stop - 1] === 13) stop--;
      const bytes = msg.subarray(start, stop);
      start = end + 1;
      if (bytes.length === 0) continue;
      let why: string | undefined;
      if (bytes.length > MAX_STATSD_LINE_BYTES) why = `a line longer than ${MAX_STATSD_LINE_BYTES} bytes`;
      else if (!isUtf8(bytes)) why = "a line that is not valid UTF-8";
      else {
        const sample = parseStatsdLine(bytes.toString("utf8"));
        if (sample === null) ignored++;
        else if (typeof sample === "string") why = sample;
        else {
          const r = this.aggregator.add(sample);
          accepted += r.taken;
          why = r.refused;
        }
      }
      if (why === undefined) continue;
      refused++;
      first ??= why;
    }
    this.deps.counters.record("statsd", { accepted, ignored, rejectedTotal: refused });
    if (first !== undefined) this.refusals.note(from, `${refused} line(s); the first: ${first}`);
  }

  /** The next flush, at the next multiple of `flushMs`. */
  private schedule(): void {
    const every = this.options.flushMs;
    this.timer = setTimeout(() => this.tick(), every - (Date.now() % every));
  }

  private tick(): void {
    if (this.closed) return;
    // The boundary just passed (a timer may fire a little early or late).
    const end = Math.floor((Date.now() + 5) / this.options.flushMs) * this.options.flushMs;
    // One flush at a time, admitted by the gate: otherwise this interval goes on into the next.
    if (this.flushing === undefined && this.deps.gate.active < this.deps.gate.max && end - 1 > this.lastTs)
      this.flush(end - 1);
    this.schedule();
  }

  private flush(ts: number): void {
    if (this.aggregator.size === 0) return;
    this.lastTs = ts;
    const { points, refused } = this.aggregator.flush(ts);
    if (refused > 0) this.deps.counters.record("statsd", { accepted: 0, ignored: 0, rejectedTotal: refused });
    this.flushing = this.store(points).finally(() => {
      this.flushing = undefined;
    });
  }

  private async store(points: Point[]): Promise<void> {
    try {
      await this.deps.gate.run(async () => {
        const r = await this.deps.ingest({ points, rejected: [], ignored: 0 }, "index");
        // The flushed points are the app's points in; the samples were counted as they came.
        this.deps.onIngest(r);
        if (r.rejectedTotal > 0) {
          this.deps.counters.record("statsd", { accepted: 0, ignored: 0, rejectedTotal: r.rejectedTotal });
          this.refusals.note("the flush", `${r.rejectedTotal} point(s); the first: ${r.rejected[0]?.error ?? "?"}`);
        }
      });
    } catch (err) {
      this.deps.counters.record("statsd", { accepted: 0, ignored: 0, rejectedTotal: points.length });
      this.deps.warn(err, `statsd: ${points.length} flushed point(s) could not be stored (counted as refused)`);
    }
  }

  /** Stops receiving and stores the open interval (stamped now). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
    await this.flushing;
    this.flush(Math.max(Date.now(), this.lastTs + 1));
    await this.flushing;
  }
}
