import { CloseCode } from "@dashwire/protocol";
import { createServer, type DashwireServer } from "@dashwire/server";
import { afterEach, describe, expect, it } from "vitest";

let server: DashwireServer;
let base: string;

async function start(options: Parameters<typeof createServer>[0] = {}): Promise<void> {
  server = createServer({ logLevel: "silent", ...options });
  const { port } = await server.listen(0, "127.0.0.1");
  base = `http://127.0.0.1:${port}/dashwire`;
}

afterEach(async () => {
  await server?.close();
});

function messagesOf(body: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of body.split("\n")) {
    if (line === "") continue;
    const v = JSON.parse(line);
    out.push(...(Array.isArray(v) ? v : [v]));
  }
  return out;
}

const send = (tid: string, frame: unknown) =>
  fetch(`${base}/send?tid=${tid}`, {
    method: "POST",
    body: JSON.stringify(frame),
    headers: { "content-type": "text/plain" },
  });

/** Reads SSE events from a fetch response body. */
class SseReader {
  private buffer = "";
  readonly events: { event: string; data: string }[] = [];
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();

  constructor(res: Response) {
    this.reader = (res.body as ReadableStream<Uint8Array>).getReader();
  }

  async next(match: (e: { event: string; data: string }) => boolean): Promise<{ event: string; data: string }> {
    for (;;) {
      const found = this.events.find(match);
      if (found !== undefined) return found;
      const { value, done } = await this.reader.read();
      if (done) throw new Error("stream ended");
      this.buffer += this.decoder.decode(value, { stream: true });
      let end = this.buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        let event = "message";
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data.push(line.slice(6));
        }
        if (data.length > 0) this.events.push({ event, data: data.join("\n") });
        end = this.buffer.indexOf("\n\n");
      }
    }
  }

  /** Every protocol message received so far. */
  messages(): Record<string, unknown>[] {
    return this.events.filter((e) => e.event === "message").flatMap((e) => messagesOf(e.data));
  }

  async nextMessage(match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    await this.next((e) => e.event === "message" && messagesOf(e.data).some(match));
    return this.messages().find(match) as Record<string, unknown>;
  }

  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}

describe("long-polling transport", () => {
  it("connects, subscribes and receives a batch per poll, then the disconnect on close", async () => {
    await start();
    const open = await fetch(`${base}/poll`, { method: "POST" });
    expect(open.status).toBe(200);
    const { tid } = (await open.json()) as { tid: string };
    expect(
      (
        await send(tid, [
          { t: "connect", v: 1 },
          { t: "sub", id: 1, topic: "feed" },
        ])
      ).status,
    ).toBe(204);
    const first = messagesOf(await (await fetch(`${base}/poll?tid=${tid}`)).text());
    expect(first.map((m) => m.t)).toEqual(["connected", "ack"]);
    const poll = fetch(`${base}/poll?tid=${tid}`);
    for (let i = 0; i < 30; i++) void server.publish("feed", i);
    // The held poll answers with the first flush; anything later waits for the next poll.
    const all = messagesOf(await (await poll).text()).filter((m) => m.t === "msg");
    let polls = 1;
    while (all.length < 30 && polls++ < 10)
      all.push(...messagesOf(await (await fetch(`${base}/poll?tid=${tid}`)).text()).filter((m) => m.t === "msg"));
    expect(all.map((m) => m.d)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(polls).toBeLessThan(30);
    const held = fetch(`${base}/poll?tid=${tid}`);
    await new Promise((r) => setTimeout(r, 20));
    await server.close();
    expect(messagesOf(await (await held).text())).toContainEqual(
      expect.objectContaining({ t: "disconnect", code: CloseCode.GoingAway }),
    );
  });

  it("sends a lost answer again to a poll that says so (seq), and refuses any other count", async () => {
    await start();
    const { tid } = (await (await fetch(`${base}/poll`, { method: "POST" })).json()) as { tid: string };
    await send(tid, [
      { t: "connect", v: 1 },
      { t: "sub", id: 1, topic: "feed" },
    ]);
    const poll = async (seq: number) => (await fetch(`${base}/poll?tid=${tid}&seq=${seq}`)).text();
    const first = await poll(0);
    expect(messagesOf(first).map((m) => m.t)).toEqual(["connected", "ack"]);
    void server.publish("feed", "a");
    const second = await poll(1);
    expect(messagesOf(second).map((m) => m.d)).toEqual(["a"]);
    // The client never got the second answer (a cut connection) and asks again with seq 1.
    void server.publish("feed", "b");
    expect(await poll(1)).toBe(second);
    expect(messagesOf(await poll(2)).map((m) => m.d)).toEqual(["b"]);
    // Counts it cannot serve: answered with "gone" (404), like an unknown transport.
    const stale = await fetch(`${base}/poll?tid=${tid}&seq=0`);
    expect(stale.status).toBe(404);
    expect((await fetch(`${base}/poll?tid=${tid}&seq=7`)).status).toBe(404);
  });

  it("answers unknown transports with 404 and oversize frames with 413", async () => {
    await start({ limits: { frameBytes: 100 } });
    expect((await fetch(`${base}/poll?tid=nope`)).status).toBe(404);
    const { tid } = (await (await fetch(`${base}/poll`, { method: "POST" })).json()) as { tid: string };
    const res = await send(tid, { t: "connect", v: 1, data: "x".repeat(500) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(CloseCode.MessageTooBig);
  });

  it("refuses a foreign origin with 403 and serves an allowed one with CORS headers", async () => {
    await start({ allowedOrigins: ["https://dash.example"] });
    const bad = await fetch(`${base}/poll`, { method: "POST", headers: { origin: "https://evil.example" } });
    expect(bad.status).toBe(403);
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(CloseCode.ForbiddenOrigin);
    const good = await fetch(`${base}/poll`, { method: "POST", headers: { origin: "https://dash.example" } });
    expect(good.status).toBe(200);
    expect(good.headers.get("access-control-allow-origin")).toBe("https://dash.example");
  });
});

describe("SSE transport", () => {
  it("streams frames as events, takes frames by POST, and closes with a disconnect", async () => {
    await start();
    server.on("add", (d: { a: number; b: number }) => d.a + d.b);
    const res = await fetch(`${base}/sse`);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("x-accel-buffering")).toBe("no");
    const sse = new SseReader(res);
    const tid = (await sse.next((e) => e.event === "tid")).data;
    await send(tid, [
      { t: "connect", v: 1 },
      { t: "sub", id: 1, topic: "feed" },
      { t: "evt", id: 2, event: "add", data: { a: 1, b: 2 } },
    ]);
    await sse.nextMessage((m) => m.t === "connected");
    expect(await sse.nextMessage((m) => m.t === "ack" && m.id === 2)).toMatchObject({ data: 3 });
    for (let i = 0; i < 10; i++) void server.publish("feed", i);
    await sse.nextMessage((m) => m.t === "msg" && m.d === 9);
    expect(
      sse
        .messages()
        .filter((m) => m.t === "msg")
        .map((m) => m.d),
    ).toEqual(Array.from({ length: 10 }, (_, i) => i));
    const closing = server.close();
    expect(await sse.nextMessage((m) => m.t === "disconnect")).toMatchObject({ code: CloseCode.GoingAway });
    await closing;
  });
});
