import http from "node:http";
import net from "node:net";
import { ErrorCode } from "@dashwire/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type TestServer, watchProcess } from "./fuzz/harness.js";
import { API_KEY, apiResult, callApi } from "./server-api-client.js";

/** Hostile and broken input to the server API: a coded answer every time, nothing lost or crashed. */

let t: TestServer | undefined;

afterEach(async () => {
  await t?.server.close();
  t = undefined;
});

async function start(): Promise<TestServer> {
  t = await startServer({ serverApi: { keys: [API_KEY], bodyBytes: 4096 } });
  return t;
}

/** A POST whose body is streamed in chunks without a Content-Length. */
function postChunked(base: string, path: string, chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, {
      method: "POST",
      headers: {
        authorization: `apikey ${API_KEY}`,
        "content-type": "application/json",
        "transfer-encoding": "chunked",
      },
    });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe("server API input", () => {
  it("answers every malformed request with an HTTP status and a protocol error code", async () => {
    const { http: base, server } = await start();
    const watch = watchProcess();
    const cases: [string, () => ReturnType<typeof callApi>, number, number, RegExp][] = [
      [
        "text body",
        () => callApi(base, "publish", 0, { "content-type": "text/plain" }),
        415,
        ErrorCode.BadFrame,
        /application\/json/,
      ],
      [
        "gzip body",
        () => callApi(base, "publish", 0, { "content-encoding": "gzip" }),
        415,
        ErrorCode.BadFrame,
        /Encoding/,
      ],
      [
        "not JSON",
        () => callApi(base, "publish", 0, {}, { rawBody: "{topic:" }),
        400,
        ErrorCode.BadFrame,
        /not valid JSON/,
      ],
      [
        "deep",
        () => callApi(base, "publish", 0, {}, { rawBody: `${"[".repeat(100)}${"]".repeat(100)}` }),
        400,
        ErrorCode.BadFrame,
        /deeper than 64/,
      ],
      [
        "too large",
        () => callApi(base, "publish", { topic: "a", data: "x".repeat(5000) }),
        413,
        ErrorCode.PayloadTooLarge,
        /4096 bytes/,
      ],
      ["array", () => callApi(base, "publish", [1]), 400, ErrorCode.InvalidField, /expected object/],
      ["no topic", () => callApi(base, "publish", { data: 1 }), 400, ErrorCode.InvalidField, /^topic: expected string/],
      ["no data", () => callApi(base, "publish", { topic: "a" }), 400, ErrorCode.InvalidField, /^data: is required/],
      [
        "misspelt",
        () => callApi(base, "publish", { channel: "a", topic: "a", data: 1 }),
        400,
        ErrorCode.InvalidField,
        /Unrecognized key: "channel"/,
      ],
      [
        "internal topic",
        () => callApi(base, "publish", { topic: "$node:*", data: 1 }),
        400,
        ErrorCode.InvalidTopic,
        /^topic: must be/,
      ],
      [
        "spaced topic",
        () => callApi(base, "broadcast", { topics: ["a", "b c"], data: 1 }),
        400,
        ErrorCode.InvalidTopic,
        /^topics\.1: must be/,
      ],
      [
        "long topic",
        () => callApi(base, "publish", { topic: "t".repeat(257), data: 1 }),
        400,
        ErrorCode.InvalidTopic,
        /topic/,
      ],
      // 100 characters, 300 bytes: bounded in bytes, not characters.
      [
        "long key",
        () => callApi(base, "publish", { topic: "a", data: 1, key: "€".repeat(100) }),
        400,
        ErrorCode.InvalidField,
        /^key: must be at most 256 bytes/,
      ],
      [
        "long reason",
        () => callApi(base, "disconnect", { user: "u", reason: "€".repeat(42) }),
        400,
        ErrorCode.InvalidField,
        /^reason: must be at most 123 bytes/,
      ],
      [
        "bad since",
        () => callApi(base, "history", { topic: "a", since: { epoch: "e", offset: -1 } }),
        400,
        ErrorCode.InvalidField,
        /^since\.offset/,
      ],
      ["huge limit", () => callApi(base, "history", { topic: "a", limit: 1e9 }), 400, ErrorCode.InvalidField, /^limit/],
      ["GET", () => callApi(base, "publish", undefined, {}, { method: "GET" }), 405, ErrorCode.UnknownType, /POST/],
    ];
    for (const [name, call, status, code, message] of cases) {
      const answer = await call();
      expect(answer.status, name).toBe(status);
      expect(answer.body.error?.code, name).toBe(code);
      expect(answer.body.error?.message, name).toMatch(message);
    }
    const chunked = await postChunked(base, "/api/publish", [
      '{"topic":"a","data":"',
      "y".repeat(3000),
      "y".repeat(3000),
      '"}',
    ]);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.code).toBe(ErrorCode.PayloadTooLarge);
    // A body cut off mid-way: the request is dropped, the server goes on.
    await new Promise<void>((resolve) => {
      const s = net.connect(t?.port ?? 0, "127.0.0.1", () => {
        s.write(
          `POST /api/publish HTTP/1.1\r\nHost: x\r\nAuthorization: apikey ${API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"topic":`,
        );
        setImmediate(() => s.destroy());
        resolve();
      });
    });
    // An unknown method is not ours: it falls through (here to the default 404).
    expect((await callApi(base, "nope", {})).status).toBe(404);
    // Nothing reached the topics, and the API still works.
    expect((await apiResult(base, "history", { topic: "a", limit: 0 })).offset).toBe(0);
    expect((await apiResult(base, "publish", { topic: "a", data: "ok" })).offset).toBe(1);
    watch.stop();
    expect(watch.failures).toEqual([]);
    expect(server.clients().next().done).toBe(true);
  });
});
