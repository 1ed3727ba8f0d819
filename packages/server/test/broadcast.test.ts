/**
 * Broadcast to all but the sender (issue 19) over every transport of the contract suite:
 * `client.broadcast` from an event handler and `server.publish` with `except` reach every other
 * subscriber; the sender's own copy keeps its offset (a marker, no data), so its stream neither
 * delivers it nor sees a hole to recover.
 */
import type { TransportName } from "@dashwire/client/node";
import { describe, expect, it } from "vitest";
import { client, server, start } from "./transport-fixture.js";
import { until } from "./until.js";

describe.each(["websocket", "sse", "polling"] as const)("broadcast: %s", (name) => {
  const forced = { transports: [name] as TransportName[] };

  it("reaches everyone but the sender, whose stream stays whole", async () => {
    await start();
    server.on("say", (text: string, ctx) => ctx.client.broadcast("chat", text).then((pub) => pub.offset));
    const a = client(forced);
    const b = client(forced);
    const seen = { a: [] as [unknown, number][], b: [] as [unknown, number][] };
    const resumes = { a: 0, b: 0 };
    for (const [key, c] of [
      ["a", a],
      ["b", b],
    ] as const) {
      const sub = c.subscribe("chat", (d, pub) => seen[key].push([d, pub.offset]));
      sub.on("subscribed", () => resumes[key]++);
      sub.on("gap", () => resumes[key]++);
      await sub.ready;
    }
    expect(await a.emit("say", "hi from a")).toBe(1);
    expect(await b.emit("say", "hi from b")).toBe(2);
    // With `except` from server code too.
    const bPeer = [...server.clients()].find((s) => s.id === b.info?.session);
    await server.publish("chat", "not for b", { except: bPeer });
    await server.publish("chat", "for all");
    await until(() => seen.a.length === 3 && seen.b.length === 2);
    expect(seen.a).toEqual([
      ["hi from b", 2],
      ["not for b", 3],
      ["for all", 4],
    ]);
    expect(seen.b).toEqual([
      ["hi from a", 1],
      ["for all", 4],
    ]);
    // No gap and no resume: the skipped offsets were markers, not holes.
    expect(resumes).toEqual({ a: 1, b: 1 });
    expect(a.subscription("chat")?.position?.offset).toBe(4);
    expect(b.subscription("chat")?.position?.offset).toBe(4);
  });
});
