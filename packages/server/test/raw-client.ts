import { type Codec, jsonCodec } from "@dashwire/protocol";
import { WebSocket } from "ws";

/**
 * A bare protocol client for tests: sends exactly the frames it is given and records every
 * message (batches flattened) and frame, so tests can check the wire itself.
 */
export class RawClient {
  readonly messages: Record<string, unknown>[] = [];
  frames = 0;
  closeCode: number | undefined;
  closeReason = "";
  private waiters: (() => void)[] = [];

  private constructor(
    readonly ws: WebSocket,
    /** The codec asked for in the URL (`?codec=`); JSON by default. */
    private readonly codec: Codec = jsonCodec,
  ) {
    ws.on("message", (data: Buffer) => {
      this.frames++;
      for (const m of codec.decode(codec.binary ? data : data.toString()))
        this.messages.push(m as Record<string, unknown>);
      this.wake();
    });
    ws.on("close", (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.wake();
    });
  }

  /** Opens a socket (no handshake). */
  static open(url: string, headers: Record<string, string> = {}, codec?: Codec): Promise<RawClient> {
    const ws = new WebSocket(url, { headers });
    const client = new RawClient(ws, codec);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(client));
      ws.once("error", reject);
    });
  }

  /** Opens and completes the handshake. */
  static async connect(url: string, connect: Record<string, unknown> = {}, codec?: Codec): Promise<RawClient> {
    const client = await RawClient.open(url, {}, codec);
    client.send({ t: "connect", v: 1, ...connect });
    await client.next((m) => m.t === "connected");
    return client;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : this.codec.encode(message));
  }

  /** Waits for the first message (from `from` on) matching `match`. */
  async next(
    match: (m: Record<string, unknown>) => boolean,
    timeoutMs = 3000,
    from = 0,
  ): Promise<Record<string, unknown>> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(match);
      if (found !== undefined) return found;
      if (this.closeCode !== undefined) throw new Error(`closed (${this.closeCode} ${this.closeReason}) while waiting`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a message with an id and waits for its ack. */
  async request(message: Record<string, unknown>, id: number): Promise<Record<string, unknown>> {
    this.send({ ...message, id });
    return this.next((m) => m.t === "ack" && m.id === id);
  }

  /** Waits until the socket closes; resolves with the close code. */
  async closed(timeoutMs = 3000): Promise<number> {
    const end = Date.now() + timeoutMs;
    while (this.closeCode === undefined) {
      if (Date.now() > end) throw new Error("socket did not close");
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.closeCode;
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
