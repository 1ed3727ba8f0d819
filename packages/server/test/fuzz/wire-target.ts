import type { Codec } from "@dashwire/protocol";
import { msgpackCodec } from "@dashwire/protocol/msgpack";
import { DashwireError, ErrorCode, type ServerOptionsInput } from "@dashwire/server";
import { jwtAuth, ownTopic } from "../../src/auth/index.js";
import { RawClient } from "../raw-client.js";
import { FUZZ_APP_CODE, type WireFrame, type WireInput } from "./arbitraries.js";
import { isCodedError, KNOWN_CLOSE_CODES, sleep, startServer, type TestServer } from "./harness.js";
import { isKnownWireCrasher } from "./known-crashers.js";
import { FuzzFailure } from "./protocol-target.js";

/** Options of the live fuzz server: a small frame limit and a rate limit the fuzz can live with. */
export const fuzzServerOptions: ServerOptionsInput = {
  handshakeTimeoutMs: 2000,
  // JSON by default, MessagePack on `?codec=msgpack` (the binary wire target, issue 19).
  codecs: [msgpackCodec],
  limits: { frameBytes: 65_536, messagesPerSecond: 5000, messageBurst: 5000 },
};

/**
 * Starts the server the wire and HTTP fuzz targets hit: JWT auth (optional, so fuzzed refresh
 * and connect tokens go through it), topics with every kind of hook (sync, async, throwing),
 * client publish with history and latest values, presence, and handlers that succeed, fail with
 * an app code, crash, or take a while.
 */
export async function startFuzzServer(options: ServerOptionsInput = fuzzServerOptions): Promise<TestServer> {
  const t = await startServer(options);
  const { server } = t;
  server.useConnect(jwtAuth({ secret: "fuzz-secret-fuzz-secret-fuzz-secret!!", required: false }));
  // Apps put client text in their refusals: `connect.data.reject` comes back as the close reason.
  server.useConnect((ctx) => {
    const data = ctx.data as { reject?: unknown; crash?: unknown } | undefined;
    if (typeof data?.reject === "string") throw new DashwireError(FUZZ_APP_CODE, data.reject);
    if (typeof data?.crash === "string") throw new Error(data.crash);
  });
  server.topic("fuzz:*", { clientPublish: true, history: { size: 10 }, latest: { maxKeys: 10 }, presence: true });
  server.topic("presence:*", { presence: true });
  server.topic("guarded:*", {
    async canSubscribe({ topic }) {
      if (topic.length % 3 === 0) throw new Error("hook failed");
      return topic.length % 2 === 0;
    },
    canPublish: ({ topic }) => topic.endsWith("b"),
    canPresence() {
      throw new DashwireError(ErrorCode.Forbidden, "no presence here");
    },
    presence: true,
  });
  server.topic("user:{id}:*", { canSubscribe: ownTopic("id"), canPublish: ownTopic("id") });
  server.on("echo", (d: unknown) => d);
  server.on("fail", () => {
    throw new DashwireError(FUZZ_APP_CODE, "app failure");
  });
  server.on("crash", () => {
    throw new Error("handler bug");
  });
  server.on("slow", async (d: unknown) => {
    await sleep(1);
    return d;
  });
  server.on("nothing", () => undefined);
  // Client text in an error reply and in a disconnect reason.
  server.on("reject", (d: unknown) => {
    throw new DashwireError(FUZZ_APP_CODE, String(d));
  });
  server.on("kick", (d: unknown, ctx) => {
    ctx.client.disconnect(4007, String(d));
  });
  server.on("sentinel", (d: unknown) => d);
  return t;
}

/** Counts of one fuzz run over the wire. */
export interface WireStats {
  inputs: number;
  frames: number;
  skippedKnown: number;
  errorReplies: number;
  okAcks: number;
  reconnects: number;
  closes: Record<string, number>;
}

const SENTINEL_BASE = 9_000_000_000_000_000;
const RECYCLE_AFTER = 2000;

/**
 * Sends fuzz inputs to a live server over a raw WebSocket and checks every answer: each input is
 * followed by a sentinel event whose ack proves the server processed it; every `err`, `ack.error`
 * and `disconnect` in between must carry a defined code, and a closed socket a defined close code.
 * With a binary `codec` (msgpack) the socket asks for it and every JSON text frame of an input
 * is sent as the same value in MessagePack, binary; other frames go as they are (text frames on a
 * binary connection, raw bytes).
 */
export class WireFuzzer {
  readonly stats: WireStats = {
    inputs: 0,
    frames: 0,
    skippedKnown: 0,
    errorReplies: 0,
    okAcks: 0,
    reconnects: 0,
    closes: {},
  };
  private conn: RawClient | undefined;
  private bystander: RawClient | undefined;
  private sentinel = 0;
  private sinceRecycle = 0;
  private abandoned = false;

  constructor(
    private url: string,
    private readonly skipKnown: boolean,
    /** Stop waiting for the sentinel (e.g. the process just saw an uncaught exception). */
    private readonly giveUp: () => boolean = () => false,
    private readonly codec?: Codec,
  ) {
    if (codec !== undefined) this.url = `${url}?codec=${codec.name}`;
  }

  /** Runs one input; throws `FuzzFailure` when the server's answer breaks the contract. */
  async run(input: WireInput): Promise<void> {
    if (this.skipKnown && input.frames.some(isKnownWireCrasher)) {
      this.stats.skippedKnown++;
      return;
    }
    this.stats.inputs++;
    this.stats.frames += input.frames.length;
    if (input.preHandshake) {
      const c = await RawClient.open(this.url, {}, this.codec);
      try {
        for (const f of input.frames) send(c, f, this.codec);
        c.send({ t: "connect", v: 1 });
        await this.settle(c, 0);
      } finally {
        c.close();
      }
      return;
    }
    let c = this.conn;
    if (c === undefined || c.closeCode !== undefined || this.abandoned || this.sinceRecycle >= RECYCLE_AFTER) {
      c?.close();
      c = await RawClient.connect(this.url, {}, this.codec);
      this.conn = c;
      this.stats.reconnects++;
      this.sinceRecycle = 0;
      this.abandoned = false;
    }
    this.sinceRecycle++;
    const from = c.messages.length;
    for (const f of input.frames) send(c, f, this.codec);
    await this.settle(c, from);
  }

  /** A second client, connected all along, still gets its answer. */
  async checkBystander(): Promise<void> {
    if (this.bystander === undefined || this.bystander.closeCode !== undefined)
      this.bystander = await RawClient.connect(this.url, {}, this.codec);
    const id = SENTINEL_BASE - 1 - this.sentinel++;
    const reply = await this.bystander.request({ t: "evt", event: "echo", data: id }, id);
    if (reply.data !== id) throw new FuzzFailure(`bystander got ${JSON.stringify(reply)}`);
  }

  /** Closes the fuzzer's sockets. */
  close(): void {
    this.conn?.close();
    this.bystander?.close();
  }

  /**
   * Sends the sentinel, waits for its answer or a close, and checks everything that came back.
   * The contract is "answered", not "accepted": a coded refusal (RateLimited when the input used
   * up the rate limit) proves the server processed the input as well as a success does, and
   * `check` holds it to being coded.
   */
  private async settle(c: RawClient, from: number): Promise<void> {
    const id = SENTINEL_BASE + this.sentinel++;
    c.send({ t: "evt", event: "sentinel", id, data: id });
    const answered = (m: Record<string, unknown>) => m.t === "ack" && m.id === id && (m.data === id || "error" in m);
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        // Short waits only so that `giveUp` is seen soon; the verdict is the answer or the deadline.
        await c.next(answered, 100, from);
        break;
      } catch (err) {
        if (c.closeCode !== undefined) break;
        if (this.giveUp()) {
          // The server already failed on this input; the socket's state is unknown: drop it.
          this.abandoned = true;
          return;
        }
        if (Date.now() > deadline) throw new FuzzFailure(`server stopped answering: ${String(err)}`, err);
      }
    }
    for (const m of c.messages.slice(from)) this.check(m);
    if (c.closeCode !== undefined) {
      this.stats.closes[c.closeCode] = (this.stats.closes[c.closeCode] ?? 0) + 1;
      if (!KNOWN_CLOSE_CODES.has(c.closeCode)) throw new FuzzFailure(`closed with undefined code ${c.closeCode}`);
    }
  }

  private check(m: Record<string, unknown>): void {
    if (m.t === "err") {
      this.stats.errorReplies++;
      if (!isCodedError(m, [FUZZ_APP_CODE])) throw new FuzzFailure(`uncoded err: ${JSON.stringify(m).slice(0, 300)}`);
    } else if (m.t === "ack") {
      if (m.error === undefined) this.stats.okAcks++;
      else {
        this.stats.errorReplies++;
        if (!isCodedError(m.error, [FUZZ_APP_CODE]))
          throw new FuzzFailure(`uncoded ack error: ${JSON.stringify(m).slice(0, 300)}`);
      }
    } else if (m.t === "disconnect") {
      if (typeof m.code !== "number" || !KNOWN_CLOSE_CODES.has(m.code))
        throw new FuzzFailure(`disconnect with undefined code: ${JSON.stringify(m)}`);
    }
  }
}

function send(c: RawClient, frame: WireFrame, codec: Codec | undefined): void {
  if (frame.kind === "text") {
    const encoded = codec?.binary ? reencode(frame.text, codec) : undefined;
    if (encoded !== undefined) c.ws.send(encoded, { binary: true });
    else c.ws.send(frame.text);
  } else c.ws.send(Buffer.from(frame.bytes), { binary: true });
}

/** The value of JSON text in `codec`; undefined when the text is not JSON (or not encodable). */
function reencode(text: string, codec: Codec): Uint8Array | string | undefined {
  try {
    return codec.encode(JSON.parse(text));
  } catch {
    return undefined;
  }
}
