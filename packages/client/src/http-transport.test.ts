import { CloseCode } from "@dashwire/protocol";
import { describe, expect, it } from "vitest";
import { manualScheduler } from "../test/manual-scheduler.js";
import type { FetchLike } from "./transport.js";
import { MAX_QUEUED_POSTS } from "./http-sender.js";
import { PollingTransport } from "./polling-transport.js";
import { SseTransport } from "./sse-transport.js";
import type { Scheduler } from "./timer.js";
import type { TransportHandlers } from "./transport.js";

/** A `fetch` whose answers the test gives by hand, in call order. */
class ScriptedFetch {
  readonly calls: { url: string; init: RequestInit; answer: (r: Response | Error) => void }[] = [];
  readonly fetch: FetchLike = (url, init) =>
    new Promise((resolve, reject) => {
      this.calls.push({ url, init, answer: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
    });

  /** Calls whose URL contains `part`. */
  to(part: string): ScriptedFetch["calls"] {
    return this.calls.filter((c) => c.url.includes(part));
  }
}

/** A response body the test writes to. */
function stream(): { body: ReadableStream<Uint8Array>; write(s: string): void; end(): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const enc = new TextEncoder();
  return { body, write: (s) => controller.enqueue(enc.encode(s)), end: () => controller.close() };
}

function recorder(): TransportHandlers & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    onOpen: () => log.push("open"),
    onFrame: (f) => log.push(`frame ${f}`),
    onDrain: () => log.push("drain"),
    onClose: (code, reason) => log.push(`close ${code} ${reason}`),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const error = (status: number, code: number, message: string) =>
  new Response(JSON.stringify({ error: { code, message } }), { status });

async function openSse(f: ScriptedFetch, scheduler?: Scheduler) {
  const t = new SseTransport({ fetch: f.fetch, scheduler });
  const h = recorder();
  t.open("ws://h/dashwire?token=x", h);
  const s = stream();
  f.calls[0]?.answer(new Response(s.body, { headers: { "content-type": "text/event-stream" } }));
  s.write(`:${" ".repeat(100)}\n\nevent: tid\ndata: n1.T\n\n`);
  await tick();
  return { t, h, s };
}

describe("SseTransport", () => {
  it("opens on the tid event, hands on frames, and POSTs one frame at a time, in order", async () => {
    const f = new ScriptedFetch();
    const { t, h, s } = await openSse(f);
    expect(f.calls[0]?.url).toBe("http://h/dashwire/sse?token=x");
    expect(h.log).toEqual(["open"]);
    s.write('data: {"t":"ping"}\n\ndata: [{"t":"a"},{"t":"b"}]\n\n');
    await tick();
    expect(h.log.slice(1)).toEqual(['frame {"t":"ping"}', 'frame [{"t":"a"},{"t":"b"}]']);
    expect(t.send("one")).toBe(false);
    expect(t.send("two")).toBe(false);
    await tick();
    const posts = f.to("/send");
    expect(posts).toHaveLength(1);
    expect(posts[0]?.url).toBe("http://h/dashwire/send?token=x&tid=n1.T");
    expect(posts[0]?.init).toMatchObject({ method: "POST", body: "one" });
    posts[0]?.answer(new Response(null, { status: 204 }));
    await tick();
    expect(f.to("/send")[1]?.init.body).toBe("two");
    expect(h.log).not.toContain("drain");
    f.to("/send")[1]?.answer(new Response(null, { status: 204 }));
    await tick();
    expect(h.log.at(-1)).toBe("drain");
  });

  it("reports a refused POST's code when the stream then ends without a disconnect", async () => {
    const f = new ScriptedFetch();
    const { t, h, s } = await openSse(f);
    t.send("big");
    await tick();
    f.to("/send")[0]?.answer(error(413, CloseCode.MessageTooBig, "frame larger than 100 bytes"));
    await tick();
    expect(h.log).toEqual(["open"]);
    s.end();
    await tick();
    expect(h.log.at(-1)).toBe(`close ${CloseCode.MessageTooBig} frame larger than 100 bytes`);
  });

  it("gives a stream that stays open after a refused POST a grace period, then closes", async () => {
    const f = new ScriptedFetch();
    const scheduler = manualScheduler();
    const { t, h } = await openSse(f, scheduler);
    t.send("x");
    await tick();
    f.to("/send")[0]?.answer(error(404, CloseCode.Normal, "unknown or closed transport"));
    await tick();
    expect(h.log).toEqual(["open"]);
    scheduler.fire();
    expect(h.log.at(-1)).toBe(`close ${CloseCode.Normal} unknown or closed transport`);
  });

  it("takes the server's close code from a refused stream, and treats a proxy's page as a network failure", async () => {
    const f = new ScriptedFetch();
    const h = recorder();
    new SseTransport({ fetch: f.fetch }).open("ws://h/d", h);
    f.calls[0]?.answer(error(403, CloseCode.ForbiddenOrigin, "origin not allowed"));
    await tick();
    expect(h.log).toEqual([`close ${CloseCode.ForbiddenOrigin} origin not allowed`]);
    const g = new ScriptedFetch();
    const h2 = recorder();
    new SseTransport({ fetch: g.fetch }).open("ws://h/d", h2);
    g.calls[0]?.answer(new Response("<h1>Access denied</h1>", { status: 403 }));
    await tick();
    expect(h2.log).toEqual(["close 1006 HTTP 403"]);
  });

  it("close() aborts the stream and reports nothing; the last words still go out", async () => {
    const f = new ScriptedFetch();
    const { t, h } = await openSse(f);
    t.send("unsubs");
    t.close(1000, "");
    expect(f.calls[0]?.init.signal?.aborted).toBe(true);
    await tick();
    expect(f.to("/send")[0]?.init.body).toBe("unsubs");
    expect(t.send("later")).toBe(true);
    expect(h.log).toEqual(["open"]);
  });

  it("drops the transport when more than MAX_QUEUED_POSTS frames wait behind a POST", async () => {
    const f = new ScriptedFetch();
    const { t, h } = await openSse(f);
    for (let i = 0; i <= MAX_QUEUED_POSTS + 1; i++) t.send(`f${i}`);
    await tick();
    expect(h.log.at(-1)).toMatch(/^close 1006 more than 64 frames/);
  });
});

describe("PollingTransport", () => {
  it("opens with POST /poll, polls in a loop, splits frames by newline, and ends on 404", async () => {
    const f = new ScriptedFetch();
    const h = recorder();
    new PollingTransport({ fetch: f.fetch }).open("wss://h/dashwire", h);
    expect(f.calls[0]).toMatchObject({ url: "https://h/dashwire/poll", init: { method: "POST" } });
    f.calls[0]?.answer(new Response(JSON.stringify({ tid: "n1.P" })));
    await tick();
    expect(h.log).toEqual(["open"]);
    expect(f.calls[1]?.url).toBe("https://h/dashwire/poll?tid=n1.P&seq=0");
    f.calls[1]?.answer(new Response('{"t":"a"}\n[{"t":"b"},{"t":"c"}]'));
    await tick();
    expect(h.log.slice(1)).toEqual(['frame {"t":"a"}', 'frame [{"t":"b"},{"t":"c"}]']);
    // An empty answer (the hold expired) just polls again; it carries no frames, so it does not
    // count in `seq` (a relaying node may answer one the home node never saw).
    expect(f.calls[2]?.url).toBe("https://h/dashwire/poll?tid=n1.P&seq=1");
    f.calls[2]?.answer(new Response(""));
    await tick();
    expect(f.calls[3]?.url).toBe("https://h/dashwire/poll?tid=n1.P&seq=1");
    f.calls[3]?.answer(error(404, CloseCode.Normal, "unknown or closed transport"));
    await tick();
    expect(h.log.at(-1)).toBe(`close ${CloseCode.Normal} unknown or closed transport`);
    expect(f.calls).toHaveLength(4);
  });

  it("retries a poll that failed on the network with the same seq; three failures in a row end it", async () => {
    const f = new ScriptedFetch();
    const h = recorder();
    new PollingTransport({ fetch: f.fetch }).open("ws://h/d", h);
    f.calls[0]?.answer(new Response(JSON.stringify({ tid: "n1.P" })));
    await tick();
    f.calls[1]?.answer(new Response('{"t":"a"}'));
    await tick();
    // The keep-alive race of a stopping node: the request dies before any answer.
    const closed = Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
    });
    f.calls[2]?.answer(closed);
    await tick();
    // Retried at once with the same count: an answer lost on the way would come again.
    expect(f.calls.slice(2).map((c) => c.url)).toEqual([
      "http://h/d/poll?tid=n1.P&seq=1",
      "http://h/d/poll?tid=n1.P&seq=1",
    ]);
    f.calls[3]?.answer(new Response('{"t":"b"}'));
    await tick();
    expect(f.calls[4]?.url).toBe("http://h/d/poll?tid=n1.P&seq=2");
    expect(h.log).toEqual(["open", 'frame {"t":"a"}', 'frame {"t":"b"}']);
    // Down for good: the first failure and two retries, then 1006 saying what the network said.
    for (const i of [4, 5, 6]) {
      f.calls[i]?.answer(closed);
      await tick();
    }
    expect(f.calls).toHaveLength(7);
    expect(h.log.at(-1)).toBe("close 1006 poll failed: TypeError: fetch failed (UND_ERR_SOCKET: other side closed)");
  });

  it("fails cleanly on an open answer without a transport id and on a network error", async () => {
    const f = new ScriptedFetch();
    const h = recorder();
    new PollingTransport({ fetch: f.fetch }).open("ws://h/d", h);
    f.calls[0]?.answer(new Response("not json"));
    await tick();
    expect(h.log).toEqual(["close 1006 poll open answered without a transport id"]);
    const g = new ScriptedFetch();
    const h2 = recorder();
    new PollingTransport({ fetch: g.fetch }).open("ws://h/d", h2);
    g.calls[0]?.answer(new TypeError("fetch failed"));
    await tick();
    expect(h2.log).toEqual(["close 1006 poll open failed: TypeError: fetch failed"]);
  });
});
