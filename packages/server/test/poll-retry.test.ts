import { connect } from "@dashwire/client/node";
import { createServer, type DashwireServer } from "@dashwire/server";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "./until.js";

/**
 * Long-polling across cut connections: a poll whose request never reached the server (a
 * keep-alive connection a stopping node closed as the request went out) and one whose answer was
 * lost after the server handed it out are retried with their `seq`, and the client gets every
 * publication exactly once, in order, without dropping its transport. Before `seq`, the first
 * failure ended the transport with 1006; a retry without it would skip the lost answer's frames.
 */
let server: DashwireServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Loss = "before" | "after";

/** A `fetch` that fails every third poll: before sending it, or after the server answered it. */
function lossyFetch(loss: Loss): { fetch: typeof fetch; failed: () => number } {
  let polls = 0;
  let failed = 0;
  const lossy = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const isPoll = (init?.method ?? "GET") === "GET" && url.includes("/poll?");
    if (!isPoll || ++polls % 3 !== 0) return fetch(input, init);
    failed++;
    const cut = new TypeError("fetch failed", {
      cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
    });
    if (loss === "before") throw cut;
    await (await fetch(input, init)).text(); // the server handed its frames to this answer
    throw cut;
  };
  return { fetch: lossy as typeof fetch, failed: () => failed };
}

describe("long-polling: a failed poll is retried without losing an answer", () => {
  it.each<Loss>(["before", "after"])("a poll lost %s the server answered it", async (loss) => {
    server = createServer({ logLevel: "silent" });
    server.topic("feed", { history: { size: 1000 } });
    const { port } = await server.listen(0, "127.0.0.1");
    const lossy = lossyFetch(loss);
    const client = connect(`ws://127.0.0.1:${port}/dashwire`, { transports: ["polling"], fetch: lossy.fetch });
    const states: string[] = [];
    client.on("state", (s) => states.push(s));
    const got: number[] = [];
    await client.subscribe("feed", (d) => got.push(d as number)).ready;
    // One publication at a time, each waited for, so many polls (and failures) carry them.
    for (let i = 0; i < 60; i++) {
      await server.publish("feed", i);
      await until(() => got.length === i + 1, 10_000, `publication ${i}`);
    }
    expect(got).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(lossy.failed()).toBeGreaterThanOrEqual(10);
    // Never dropped: one connect, no reconnect (a reconnect would have resumed from history).
    expect(states.filter((s) => s === "connected")).toHaveLength(1);
    expect(client.transport).toBe("polling");
    client.close();
  });
});
