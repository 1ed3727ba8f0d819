/**
 * Binary payloads over the HTTP transports (issue 19): MessagePack frames in binary poll and POST
 * bodies (msgpack `bin` values, `application/vnd.msgpack`) and as base64 SSE events; typed arrays
 * round-trip through the SDK on each; hostile bodies get coded errors; a binary default codec is
 * served to SSE and polling clients that name none.
 */
import { msgpackCodec } from "@dashwire/client/msgpack";
import { CloseCode, connect, ErrorCode, type FetchLike, type TransportName } from "@dashwire/client/node";
import { BINARY_BODY_TYPE, joinBinaryFrames, splitBinaryFrames } from "@dashwire/protocol";
import { describe, expect, it } from "vitest";
import { openRawSse } from "./raw-sse.js";
import { client, endpoint, server, start } from "./transport-fixture.js";
import { until } from "./until.js";

type Message = Record<string, unknown>;
const base = () => endpoint().replace("ws:", "http:");
const body = (...messages: unknown[]) => joinBinaryFrames(messages.map((m) => msgpackCodec.encode(m)));

/** A raw long-polling client speaking msgpack: opens, posts binary bodies, polls and decodes. */
async function rawPoll(query = "?codec=msgpack") {
  const res = await fetch(`${base()}/poll${query}`, { method: "POST" });
  const { tid } = (await res.json()) as { tid: string };
  const messages: Message[] = [];
  const types: string[] = [];
  let seq = 0;
  return {
    tid,
    messages,
    types,
    post: (bytes: Uint8Array<ArrayBuffer> | string, type = BINARY_BODY_TYPE) =>
      fetch(`${base()}/send?tid=${tid}`, { method: "POST", body: bytes, headers: { "content-type": type } }),
    /** Polls until a message matches (each answer's content type kept in `types`). */
    /** Closes the transport (else the server's drain waits for it to linger out). */
    close: () => fetch(`${base()}/close?tid=${tid}`, { method: "POST" }),
    async until(match: (m: Message) => boolean): Promise<Message> {
      for (let i = 0; i < 10 && !messages.some(match); i++) {
        const answer = await fetch(`${base()}/poll?tid=${tid}&seq=${seq}`);
        const bytes = new Uint8Array(await answer.arrayBuffer());
        if (bytes.byteLength === 0) continue;
        seq++;
        types.push(answer.headers.get("content-type") ?? "");
        for (const frame of splitBinaryFrames(bytes, Number.POSITIVE_INFINITY))
          messages.push(...(msgpackCodec.decode(frame) as Message[]));
      }
      const found = messages.find(match);
      if (found === undefined) throw new Error("no such message polled");
      return found;
    },
  };
}

/** A raw SSE stream whose events are decoded as base64 msgpack frames. */
async function rawSse(query = "?codec=msgpack") {
  const sse = await openRawSse(`${base()}/sse${query}`);
  const messages = () => sse.data.flatMap((d) => msgpackCodec.decode(Buffer.from(d, "base64")) as Message[]);
  return Object.assign(sse, { messages });
}

/** `fetch` recording each request's content type and each answer's. */
function spyFetch() {
  const sent: string[] = [];
  const answered: string[] = [];
  const f: FetchLike = async (url, init) => {
    const type = new Headers(init.headers).get("content-type");
    if (url.includes("/send?")) sent.push(`${type} ${init.body instanceof Uint8Array ? "bytes" : "text"}`);
    const res = await fetch(url, init);
    if (url.includes("/poll?") && url.includes("tid=")) answered.push(res.headers.get("content-type") ?? "");
    return res;
  };
  return { fetch: f, sent, answered };
}

describe("binary payloads over SSE and long-polling", () => {
  it.each(["sse", "polling"] as TransportName[])(
    "%s: typed arrays round-trip through the SDK in binary bodies",
    async (name) => {
      await start();
      const spy = spyFetch();
      const c = client({ codec: msgpackCodec, transports: [name], fetch: spy.fetch });
      const got: unknown[] = [];
      await c.subscribe("chat", (d) => got.push(d)).ready;
      const sent = {
        u8: new Uint8Array([0, 1, 254, 255]),
        f32: new Float32Array([0.5, -1.25]),
        f64: new Float64Array([Math.PI, -0, 1e-300]),
        i16: new Int16Array([-32768, 32767]),
        u64: new BigUint64Array([2n ** 64n - 1n]),
      };
      await c.publish("chat", sent);
      await server.publish("chat", { series: new Float64Array([1.5, 2.5]) });
      await until(() => got.length === 2);
      expect(got[0]).toEqual(sent);
      for (const [key, value] of Object.entries(sent))
        expect((got[0] as Record<string, unknown>)[key]).toBeInstanceOf(value.constructor);
      expect(got[1]).toEqual({ series: new Float64Array([1.5, 2.5]) });
      expect([...server.clients()].map((s) => s.transport)).toEqual([name]);
      // Every frame went up as bytes in a binary body; every poll answer with frames was one.
      expect(spy.sent.length).toBeGreaterThan(0);
      expect(new Set(spy.sent)).toEqual(new Set([`${BINARY_BODY_TYPE} bytes`]));
      if (name === "polling") expect(spy.answered).toContain(BINARY_BODY_TYPE);
      expect(spy.answered.filter((t) => t !== BINARY_BODY_TYPE && !t.startsWith("text/plain"))).toEqual([]);
    },
  );

  it("SSE events are the base64 of msgpack frames, the series' raw bytes inside", async () => {
    await start();
    const sse = await rawSse();
    const res = await fetch(`${base()}/send?tid=${sse.tid}`, {
      method: "POST",
      body: body({ t: "connect", v: 1 }, { t: "sub", id: 1, topic: "feed" }),
      headers: { "content-type": BINARY_BODY_TYPE },
    });
    expect(res.status).toBe(204);
    await sse.read(() => sse.messages().some((m) => m.t === "ack" && m.id === 1));
    const series = new Float64Array([1.5, -2.25, Math.PI]);
    await server.publish("feed", { series });
    await sse.read(() => sse.messages().some((m) => m.t === "msg"));
    const msg = sse.messages().find((m) => m.t === "msg") as { d: { series: Float64Array } };
    expect(msg.d.series).toEqual(series);
    const frame = sse.data.map((d) => Buffer.from(d, "base64")).find((b) => b.includes(Buffer.from(series.buffer)));
    expect(frame).toBeDefined();
    await sse.cancel();
  });

  it("hostile POST bodies get coded errors; the transport goes on after a malformed one", async () => {
    await start({ limits: { frameBytes: 1000 } });
    const p = await rawPoll();
    const refusal = async (res: Response) => [
      res.status,
      ((await res.json()) as { error: { code: number } }).error.code,
    ];
    expect(await refusal(await p.post(new Uint8Array([0xc5, 0x01])))).toEqual([400, ErrorCode.BadFrame]); // length cut
    expect(await refusal(await p.post(new Uint8Array([0xc4, 9, 1, 2])))).toEqual([400, ErrorCode.BadFrame]); // frame cut
    expect(await refusal(await p.post(new Uint8Array([0x81, 0xa1, 0x74])))).toEqual([400, ErrorCode.BadFrame]); // no bin
    expect((await p.post(body({ t: "connect", v: 1 }, { t: "sub", id: 1, topic: "feed" }))).status).toBe(204);
    await p.until((m) => m.t === "ack" && m.id === 1);
    // A text frame on a msgpack connection reaches the codec, which refuses it.
    expect((await p.post('{"t":"ping"}', "text/plain")).status).toBe(204);
    expect(await p.until((m) => m.t === "err")).toMatchObject({ code: ErrorCode.BadFrame });
    expect(p.types.every((t) => t === BINARY_BODY_TYPE)).toBe(true);
    // A frame declared larger than the limit (in a body within it): 413, and the transport closes.
    const oversize = new Uint8Array([0xc6, 0, 0, 0x10, 0, 1, 2]);
    expect(await refusal(await p.post(oversize))).toEqual([413, CloseCode.MessageTooBig]);
    expect((await fetch(`${base()}/poll?tid=${p.tid}`)).status).toBe(404);
    expect((await p.post(body({ t: "ping" }))).status).toBe(404);
    // A body past the limit (frame + its longest header) is cut off at 413 too.
    const q = await rawPoll();
    expect(await refusal(await q.post(joinBinaryFrames([new Uint8Array(1001)])))).toEqual([
      413,
      CloseCode.MessageTooBig,
    ]);
    const r = await rawPoll();
    expect(
      (await r.post(joinBinaryFrames([msgpackCodec.encode({ t: "connect", v: 1, data: "x".repeat(900) })]))).status,
    ).toBe(204);
    await r.until((m) => m.t === "connected");
    await Promise.all([q.close(), r.close()]);
  });

  it("a server whose default codec is binary serves it to SSE and polling clients that name none", async () => {
    await start({ codec: msgpackCodec, codecs: [] });
    const p = await rawPoll("");
    expect((await p.post(body({ t: "connect", v: 1 }))).status).toBe(204);
    await p.until((m) => m.t === "connected");
    expect(p.types).toEqual([BINARY_BODY_TYPE]);
    await p.close();
    const sse = await rawSse("");
    await fetch(`${base()}/send?tid=${sse.tid}`, {
      method: "POST",
      body: body({ t: "connect", v: 1 }),
      headers: { "content-type": BINARY_BODY_TYPE },
    });
    await sse.read(() => sse.messages().some((m) => m.t === "connected"));
    await sse.cancel();
  });

  it("refuses an unknown codec with 4507 on every transport", async () => {
    await start();
    for (const name of ["websocket", "sse", "polling"] as TransportName[]) {
      const c = connect(endpoint(), { codec: { ...msgpackCodec, name: "cbor" }, transports: [name], reconnect: false });
      const states: [string, number][] = [];
      c.on("state", (s, r) => states.push([s, r.code]));
      await until(() => c.state === "disconnected");
      expect(states.at(-1)).toEqual(["disconnected", CloseCode.UnsupportedCodec]);
      c.close();
    }
    expect(server.stats.connectionsTotal).toBe(0);
  });
});
