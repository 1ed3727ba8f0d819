/**
 * An in-process fake dashwire server for client tests (centrifuge-js habit): a real `ws`
 * WebSocketServer on a free port whose every protocol step the test drives by hand.
 */
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

/** A decoded client message. */
export type Msg = { t: string; id?: number; [k: string]: unknown };

/** One client connection as the fake server sees it. */
export class FakeConnection {
  /** Raw frames received, in order. */
  readonly frames: string[] = [];
  /** Messages received (batches flattened), in order. */
  readonly messages: Msg[] = [];
  closed = false;
  closeCode = 0;
  private waiters: { test: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  private readonly taken = new Set<Msg>();

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const frame = data.toString();
      this.frames.push(frame);
      const value = JSON.parse(frame) as Msg | Msg[];
      for (const m of Array.isArray(value) ? value : [value]) this.messages.push(m);
      this.wake();
    });
    ws.on("close", (code) => {
      this.closed = true;
      this.closeCode = code;
    });
  }

  /** Resolves with the first message (from the start of the log) matching `t` and `test` not yet taken. */
  next(t: string, test: (m: Msg) => boolean = () => true, timeoutMs = 3000): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const waiter = { test: (m: Msg) => m.t === t && test(m), resolve };
      this.waiters.push(waiter);
      this.wake();
      setTimeout(() => reject(new Error(`no "${t}" message within ${timeoutMs} ms`)), timeoutMs).unref();
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) {
      const m = this.messages.find((x) => !this.taken.has(x) && w.test(x));
      if (m === undefined) continue;
      this.taken.add(m);
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(m);
    }
  }

  /** Sends one message, or several as one batch frame. */
  send(...messages: object[]): void {
    this.ws.send(JSON.stringify(messages.length === 1 ? messages[0] : messages));
  }

  /** Waits for `connect` and answers `connected` (with fast heartbeat values unless given). */
  async handshake(extra: Record<string, unknown> = {}): Promise<Msg> {
    const connect = this.messages.find((m) => m.t === "connect") ?? (await this.next("connect"));
    this.send({
      t: "connected",
      v: 1,
      session: "s1",
      ping: 60_000,
      pong: 60_000,
      limits: { maxFrameBytes: 65536, maxSubscriptions: 100, maxMessagesPerSecond: 1000, maxPendingAcks: 100 },
      ...extra,
    });
    return connect;
  }

  /** Closes the socket with `code` (no `disconnect` message). */
  close(code = 1000, reason = ""): void {
    this.ws.close(code, reason);
  }

  /** Drops the TCP connection without a close frame (a network failure). */
  terminate(): void {
    this.ws.terminate();
  }
}

/** The fake server; close it in `afterEach`. */
export class FakeServer {
  readonly connections: FakeConnection[] = [];
  private waiters: { index: number; resolve: (c: FakeConnection) => void }[] = [];

  private constructor(
    readonly wss: WebSocketServer,
    /** ws:// URL of the server. */
    readonly url: string,
  ) {
    wss.on("connection", (ws) => {
      const conn = new FakeConnection(ws);
      this.connections.push(conn);
      for (const w of [...this.waiters]) {
        const c = this.connections[w.index];
        if (c === undefined) continue;
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(c);
      }
    });
  }

  /** Starts on a free loopback port. */
  static async start(): Promise<FakeServer> {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
    const { port } = wss.address() as AddressInfo;
    return new FakeServer(wss, `ws://127.0.0.1:${port}/dashwire`);
  }

  /** Resolves with connection number `index` (0-based) once it exists. */
  connection(index: number, timeoutMs = 3000): Promise<FakeConnection> {
    const existing = this.connections[index];
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      this.waiters.push({ index, resolve });
      setTimeout(() => reject(new Error(`no connection #${index} within ${timeoutMs} ms`)), timeoutMs).unref();
    });
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it is true (or fails after `timeoutMs`). */
export async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(5);
  }
}
