/**
 * The Graphite plaintext listener (`--graphite 127.0.0.1:2003`): TCP connections carry lines
 * (graphite-lines.ts), stored in batches through the ingest gate, counted as format `graphite`.
 *
 * Bounded: at most `maxConnections` connections; each holds at most one unfinished line
 * (`MAX_GRAPHITE_LINE_BYTES`: a longer one is counted as refused and skipped up to its newline)
 * and about `BATCH_BYTES` of complete lines. Past that the socket is paused, so a client faster
 * than the store is slowed by TCP itself, and nothing read is dropped; the same when the ingest
 * gate is full (the batch is retried). Graphite has no acknowledgement: a line is stored, or
 * counted as refused, after the client sent it, and what was read is written before the listener
 * closes. A connection whose handling throws is closed; the listener and the process go on.
 *
 * With `--workers N` every worker listens: Node's cluster shares the port through the primary,
 * which hands each connection to one worker. Lines carry their own timestamps, so which worker
 * stores them does not matter.
 */
import net, { type AddressInfo } from "node:net";
import { ApiError, ApiErrorCode } from "../errors.js";
import { MAX_GRAPHITE_LINE_BYTES, parseGraphiteLines } from "./graphite-lines.js";
import { type ListenerDeps, RefusalLog } from "./listener-deps.js";
import { writeListenerBatch } from "./listener-write.js";

/** Complete lines a connection holds before its socket is paused, bytes. */
export const BATCH_BYTES = 64 * 1024;
/** How long a batch waits when the ingest gate is full before it tries again, ms. */
const BUSY_RETRY_MS = 100;
const NEWLINE = Buffer.from("\n");

/** Options of `GraphiteListener`. */
export interface GraphiteListenerOptions {
  host: string;
  /** TCP port (0: a free one). */
  port: number;
  /** Most connections at once (more are closed as they come). */
  maxConnections: number;
}

/** One client connection: cuts its stream into lines and writes them in batches, in order. */
class GraphiteConnection {
  private carry: Buffer | undefined;
  private skipping = false;
  private queue: Buffer[] = [];
  private queued = 0;
  private writing = false;
  private retry: NodeJS.Timeout | undefined;
  private ended = false;
  /** Number of the next line to parse (1-based, per connection). */
  private line = 1;
  private idle: (() => void) | undefined;

  constructor(
    private readonly socket: net.Socket,
    private readonly deps: ListenerDeps,
    private readonly refusals: RefusalLog,
    private readonly gone: (c: GraphiteConnection) => void,
  ) {
    socket.setKeepAlive(true, 60_000);
    socket.on("data", (chunk: Buffer) => {
      try {
        this.take(chunk);
      } catch (err) {
        this.deps.warn(err, "graphite: closing a connection whose data could not be handled");
        socket.destroy();
      }
    });
    socket.on("end", () => this.end());
    socket.on("close", () => this.end());
    // A reset or a broken pipe: `close` follows, and what was read is still written.
    socket.on("error", () => {});
  }

  private take(chunk: Buffer): void {
    let buf = chunk;
    if (this.skipping) {
      const nl = buf.indexOf(10);
      if (nl === -1) return;
      buf = buf.subarray(nl + 1);
      this.skipping = false;
    }
    if (this.carry !== undefined) {
      buf = Buffer.concat([this.carry, buf]);
      this.carry = undefined;
    }
    const last = buf.lastIndexOf(10);
    const rest = last === -1 ? buf : buf.subarray(last + 1);
    if (last !== -1) this.enqueue(buf.subarray(0, last + 1));
    if (rest.length > MAX_GRAPHITE_LINE_BYTES) {
      // Counted now; an empty line keeps the numbers of the lines after it right.
      this.deps.counters.record("graphite", { accepted: 0, ignored: 0, rejectedTotal: 1 });
      this.refusals.note(this.socket.remoteAddress, `a line longer than ${MAX_GRAPHITE_LINE_BYTES} bytes`);
      this.enqueue(NEWLINE);
      this.skipping = true;
    } else if (rest.length > 0) this.carry = Buffer.from(rest);
    this.pump();
  }

  private enqueue(lines: Buffer): void {
    this.queue.push(lines);
    this.queued += lines.length;
    if (this.queued >= BATCH_BYTES) this.socket.pause();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    // The last line may come without its newline.
    if (this.carry !== undefined && !this.skipping) this.enqueue(this.carry);
    this.carry = undefined;
    this.pump();
  }

  private pump(): void {
    if (this.writing || this.retry !== undefined) return;
    if (this.queue.length === 0) {
      if (!this.ended) this.socket.resume();
      else this.finish();
      return;
    }
    const body = this.queue.length === 1 ? (this.queue[0] as Buffer) : Buffer.concat(this.queue);
    this.queue = [];
    this.queued = 0;
    this.writing = true;
    writeListenerBatch(this.deps, "graphite", () => {
      const batch = parseGraphiteLines(body, this.line);
      this.line = batch.nextLine;
      return batch;
    })
      .then((r) => {
        const first = r.rejected[0];
        if (first !== undefined)
          this.refusals.note(
            this.socket.remoteAddress,
            `${r.rejectedTotal} line(s); line ${first.line}: ${first.error}`,
          );
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.code === ApiErrorCode.Busy) {
          // Nothing was parsed: the batch goes back in front, the socket waits.
          this.queue.unshift(body);
          this.queued += body.length;
          this.socket.pause();
          this.retry = setTimeout(() => {
            this.retry = undefined;
            this.pump();
          }, BUSY_RETRY_MS);
          return;
        }
        this.deps.warn(err, "graphite: a batch of lines could not be stored (counted as refused)");
      })
      .finally(() => {
        this.writing = false;
        this.pump();
      });
  }

  private finish(): void {
    this.gone(this);
    this.idle?.();
  }

  /** Stops reading; resolves once everything read is written. */
  close(): Promise<void> {
    this.socket.pause();
    const done = new Promise<void>((resolve) => {
      this.idle = resolve;
    });
    this.end();
    return done.then(() => {
      this.socket.destroy();
    });
  }
}

/** The TCP listener; see the file comment. */
export class GraphiteListener {
  private readonly server: net.Server;
  private readonly connections = new Set<GraphiteConnection>();

  constructor(
    private readonly options: GraphiteListenerOptions,
    deps: ListenerDeps,
  ) {
    const refusals = new RefusalLog("graphite", deps.warn);
    const gone = (c: GraphiteConnection) => this.connections.delete(c);
    this.server = net.createServer((socket) => {
      this.connections.add(new GraphiteConnection(socket, deps, refusals, gone));
    });
    this.server.maxConnections = options.maxConnections;
    this.server.on("error", (err) => deps.warn(err, "graphite listener error"));
  }

  /** Listens; resolves with the bound address. */
  start(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host: this.options.host, port: this.options.port }, () => {
        this.server.off("error", reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting, writes what every connection read, then closes them. */
  async close(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.connections].map((c) => c.close()));
    await stopped;
  }
}
