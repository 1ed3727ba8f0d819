/**
 * Every read path enforces the same scopes (issue 12, item 5): HTTP reads, and on the socket
 * subscribe (history, snapshot, live values) and presence; `--private-metrics` for `/metrics`,
 * `/api/v1/config` and the details of `/healthz`; `GET /api/v1/auth` for the UI's sign-in.
 */
import { CloseCode, ErrorCode } from "@dashwire/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawClient } from "../../../../packages/server/test/raw-client.js";
import { until } from "../../../../packages/server/test/until.js";
import { parseApiKey } from "../../src/auth/api-keys.js";
import { ConfigError, loadStartOptions } from "../../src/config/load-config.js";
import { startApp, type TestApp } from "./helpers.js";

const READER = "reader-key-0001";
const WRITER = "writer-key-0001";
const ADMIN = "admin-key-00001";
const apiKeys = [parseApiKey(`${READER}:read`), parseApiKey(`${WRITER}:write`), parseApiKey(`${ADMIN}:admin`)];
const SERIES = "secret.revenue";

const clients: RawClient[] = [];
/** Opens the app's socket and sends `connect` (with `token` when given). */
async function socket(t: TestApp, token?: string): Promise<RawClient> {
  const c = await RawClient.open(`${t.app.url.replace(/^http/, "ws")}/dashwire`);
  clients.push(c);
  c.send(token === undefined ? { t: "connect", v: 1 } : { t: "connect", v: 1, token });
  return c;
}
const connected = async (c: RawClient) => c.next((m) => m.t === "connected");

/** Writes a point and waits until its second is published (so subscribers get a snapshot). */
async function seed(t: TestApp): Promise<void> {
  const res = await fetch(t.url("/api/v1/metrics"), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${WRITER}` },
    body: JSON.stringify({ name: SERIES, value: 1234 }),
  });
  expect(res.status).toBe(200);
  await until(() => t.app.stats.publishes > 0, 5000, "the rollup published");
}

afterAll(() => {
  for (const c of clients.splice(0)) c.close();
});

describe("--no-public-read on the socket", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ apiKeys, publicRead: false });
    await seed(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("refuses an anonymous socket (4500): it receives no snapshot, no history, no live value", async () => {
    const c = await socket(t);
    c.send({ t: "sub", id: 1, topic: `metrics:${SERIES}`, snapshot: true });
    c.send({ t: "sub", id: 2, topic: `metrics:${SERIES}`, last: 10 });
    expect(await c.closed()).toBe(CloseCode.Unauthorized);
    expect(c.messages.filter((m) => m.t === "msg" || m.t === "connected")).toEqual([]);
  });

  it("refuses an unknown key (4500)", async () => {
    const c = await socket(t, "not-a-key-0001");
    expect(await c.closed()).toBe(CloseCode.Unauthorized);
    expect(c.closeReason).toBe("unknown API key");
  });

  it("lets a write-only key ingest but not subscribe, read history or see presence (2003)", async () => {
    const c = await socket(t, WRITER);
    await connected(c);
    for (const [id, msg] of [
      [1, { t: "sub", topic: `metrics:${SERIES}`, snapshot: true }],
      [2, { t: "sub", topic: `metrics:${SERIES}`, last: 10 }],
      [3, { t: "sub", topic: "dashboard:demo", presence: true }],
      [4, { t: "presence", topic: "dashboard:demo" }],
      [5, { t: "sub", topic: "anything:else" }],
    ] as const) {
      const ack = await c.request(msg, id);
      expect((ack.error as { code: number }).code, JSON.stringify(msg)).toBe(ErrorCode.Forbidden);
    }
    const write = await c.request({ t: "evt", event: "metrics.write", data: [{ name: "w.ok", value: 1 }] }, 6);
    expect(write.error).toBeUndefined();
    expect(c.messages.some((m) => m.t === "msg")).toBe(false);
  });

  it("gives a read key the snapshot and live values", async () => {
    const c = await socket(t, READER);
    await connected(c);
    const ack = await c.request({ t: "sub", topic: `metrics:${SERIES}`, snapshot: true }, 1);
    expect(ack.error).toBeUndefined();
    const msg = await c.next((m) => m.t === "msg" && m.c === `metrics:${SERIES}`);
    expect((msg.d as { last: number }).last).toBe(1234);
    const presence = await c.request({ t: "presence", topic: "dashboard:demo" }, 2);
    expect(presence.error).toBeUndefined();
    // Socket ingest with a read key: the write scope is still needed.
    const write = await c.request({ t: "evt", event: "metrics.write", data: [{ name: "r.no", value: 1 }] }, 3);
    expect((write.error as { code: number }).code).toBe(ErrorCode.Forbidden);
  });

  it("refuses a refresh to a key without read while subscribed, and keeps the session as it was", async () => {
    const c = await socket(t, READER);
    await connected(c);
    await c.request({ t: "sub", topic: `metrics:${SERIES}` }, 1);
    const refresh = await c.request({ t: "refresh", token: WRITER }, 2);
    expect((refresh.error as { code: number }).code).toBe(ErrorCode.Forbidden);
    const presence = await c.request({ t: "presence", topic: "dashboard:demo" }, 3);
    expect(presence.error).toBeUndefined();
  });

  it("refuses HTTP reads without a key (401) or with a key without read (403), as before", async () => {
    expect((await fetch(t.url("/api/v1/series"))).status).toBe(401);
    expect((await fetch(t.url("/api/v1/series"), { headers: { authorization: `Bearer ${WRITER}` } })).status).toBe(403);
    expect((await fetch(t.url("/api/v1/series"), { headers: { authorization: `Bearer ${READER}` } })).status).toBe(200);
  });
});

describe("public reads with keys (the default)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ apiKeys });
    await seed(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("lets an anonymous socket read, and refuses an unknown key on the socket and over HTTP", async () => {
    const c = await socket(t);
    await connected(c);
    expect((await c.request({ t: "sub", topic: `metrics:${SERIES}`, snapshot: true }, 1)).error).toBeUndefined();
    await c.next((m) => m.t === "msg");
    const bad = await socket(t, "not-a-key-0001");
    expect(await bad.closed()).toBe(CloseCode.Unauthorized);
    const res = await fetch(t.url("/api/v1/series"), { headers: { authorization: "Bearer not-a-key-0001" } });
    expect(res.status).toBe(401);
  });
});

describe("GET /api/v1/auth", () => {
  it("says what a key may do, and refuses what the sign-in must refuse", async () => {
    await using t = await startApp({ apiKeys, publicRead: false });
    const auth = async (key?: string) => {
      const res = await fetch(t.url("/api/v1/auth"), key === undefined ? {} : { headers: { "x-api-key": key } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await auth(READER)).toEqual({ status: 200, body: { keys: true, scopes: ["read"], readNeedsKey: true } });
    expect(await auth(ADMIN)).toEqual({ status: 200, body: { keys: true, scopes: ["admin"], readNeedsKey: true } });
    expect((await auth()).status).toBe(401);
    expect((await auth("not-a-key-0001")).body).toEqual({ error: { code: 2000, message: "unknown API key" } });
    expect((await auth(WRITER)).status).toBe(403);
    await using open = await startApp();
    const res = await fetch(open.url("/api/v1/auth"));
    expect(await res.json()).toEqual({ keys: false, scopes: [], readNeedsKey: false });
  });
});

describe("--private-metrics", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ apiKeys, privateMetrics: true });
  });
  afterAll(async () => {
    await t?.close();
  });
  const get = (path: string, key?: string) =>
    fetch(t.url(path), key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } });

  it("needs a read key for /metrics and /api/v1/config, even with public reads", async () => {
    for (const path of ["/metrics", "/api/v1/config"]) {
      const anonymous = await get(path);
      expect(anonymous.status, path).toBe(401);
      expect(((await anonymous.json()) as { error: { code: number } }).error.code).toBe(ErrorCode.Unauthorized);
      expect((await get(path, WRITER)).status, path).toBe(401);
      expect((await get(path, READER)).status, path).toBe(200);
      expect((await get(path, ADMIN)).status, path).toBe(200);
    }
    expect(await (await get("/metrics", READER)).text()).toMatch(/dashwire_connections /);
    // Dashboards stay public to read.
    expect((await get("/api/v1/dashboards")).status).toBe(200);
  });

  it("keeps /healthz a bare status for load balancers, with details for a read key", async () => {
    const bare = await get("/healthz");
    expect(bare.status).toBe(200);
    expect(await bare.json()).toEqual({ status: "ok" });
    const detailed = (await (await get("/healthz", READER)).json()) as Record<string, unknown>;
    expect(detailed.status).toBe("ok");
    expect(detailed.broker).toEqual({ name: "memory", ok: true });
    expect(typeof detailed.connections).toBe("number");
  });

  it("refuses to start with no key that could read them", () => {
    expect(() => loadStartOptions({ "private-metrics": true }, {})).toThrow(ConfigError);
    expect(() => loadStartOptions({ "private-metrics": true, "api-key": ["only-writes-01:write"] }, {})).toThrow(
      /--private-metrics needs an --api-key with the read/,
    );
    expect(loadStartOptions({ "private-metrics": true, "api-key": ["reads-key-001:read"] }, {}).privateMetrics).toBe(
      true,
    );
  });
});
