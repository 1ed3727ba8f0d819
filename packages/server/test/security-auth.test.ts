import http from "node:http";
import type { AddressInfo } from "node:net";
import { CloseCode, ErrorCode } from "@dashwire/protocol";
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { jwtAuth, ownTopic } from "@dashwire/server/auth";
import { sleep, startServer, type TestServer } from "./fuzz/harness.js";
import { RawClient } from "./raw-client.js";

const SECRET = "test-secret-for-dashwire-hs256-0123456789";
const OLD_SECRET = "the-previous-secret-still-in-rotation-xyz";
const key = (s: string) => new TextEncoder().encode(s);
const now = () => Math.floor(Date.now() / 1000);

let t: TestServer;
const clients: RawClient[] = [];
const closers: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const close of closers.splice(0)) await close();
  await t?.server.close();
});

/** Signs an HS256 token for `sub` (1 h by default). */
function hs(sub: string, claims: JWTPayload = {}, secret = SECRET, exp: number = now() + 3600): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setExpirationTime(exp)
    .sign(key(secret));
}

/** Opens a socket and sends `connect` with `token`; does not wait. */
async function attempt(token: string | undefined, path = ""): Promise<RawClient> {
  const c = await RawClient.open(t.url + path);
  clients.push(c);
  c.send(token === undefined ? { t: "connect", v: 1 } : { t: "connect", v: 1, token });
  return c;
}

async function connected(token: string | undefined): Promise<RawClient> {
  const c = await attempt(token);
  await c.next((m) => m.t === "connected");
  return c;
}

/** Starts a server with `jwtAuth(options)` and a `whoami` event that returns `client.user`. */
async function start(options: Parameters<typeof jwtAuth>[0]): Promise<void> {
  t = await startServer();
  t.server.useConnect(jwtAuth(options));
  t.server.on("whoami", (_d: unknown, ctx) => ctx.client.user ?? null);
}

async function refused(token: string | undefined, code: number): Promise<Record<string, unknown>> {
  const c = await attempt(token);
  expect(await c.closed()).toBe(code);
  const last = c.messages.at(-1) as Record<string, unknown>;
  expect(last).toMatchObject({ t: "disconnect", code });
  return last;
}

describe("jwtAuth with HMAC secrets", () => {
  it("lets a valid token in and sets user id and claims", async () => {
    await start({ secret: SECRET });
    const c = await connected(await hs("alice", { role: "viewer" }));
    const me = await c.request({ t: "evt", event: "whoami" }, 1);
    expect(me.data).toMatchObject({ id: "alice", claims: { sub: "alice", role: "viewer" } });
  });

  it("refuses missing, malformed, unsigned, forged and oversize tokens with 4500", async () => {
    await start({ secret: SECRET });
    expect((await refused(undefined, CloseCode.Unauthorized)).reason).toBe("token required");
    expect((await refused("not.a.jwt", CloseCode.Unauthorized)).reason).toMatch(/malformed/);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const unsigned = `${b64({ alg: "none" })}.${b64({ sub: "alice", exp: now() + 60 })}.`;
    expect((await refused(unsigned, CloseCode.Unauthorized)).reason).toMatch(/algorithm/);
    const forged = await hs("alice", {}, "an-attacker-secret-of-sufficient-length!!");
    expect((await refused(forged, CloseCode.Unauthorized)).reason).toBe("token signature invalid");
    const tampered = (await hs("bob")).split(".");
    tampered[1] = b64({ sub: "admin", exp: now() + 60 });
    expect((await refused(tampered.join("."), CloseCode.Unauthorized)).reason).toBe("token signature invalid");
    expect((await refused("x".repeat(9000), CloseCode.Unauthorized)).reason).toBe("token too long");
    const last = await refused(await hs("", {}), CloseCode.Unauthorized);
    expect(last).toMatchObject({ reason: 'token has no "sub" claim', reconnect: false });
  });

  it("refuses an expired token with 4004 (the client may come back with a new one)", async () => {
    await start({ secret: SECRET, clockToleranceSec: 0 });
    const last = await refused(await hs("alice", {}, SECRET, now() - 10), CloseCode.TokenExpired);
    expect(last).toMatchObject({ reason: "token expired", reconnect: true });
  });

  it("refuses wrong audience and wrong issuer with 4500", async () => {
    await start({ secret: SECRET, audience: "dashwire", issuer: "https://auth.example" });
    const sign = (aud: string | undefined, iss: string | undefined) => {
      const jwt = new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("alice").setExpirationTime("1h");
      if (aud !== undefined) jwt.setAudience(aud);
      if (iss !== undefined) jwt.setIssuer(iss);
      return jwt.sign(key(SECRET));
    };
    await connected(await sign("dashwire", "https://auth.example"));
    expect((await refused(await sign("other-app", "https://auth.example"), 4500)).reason).toBe(
      'token "aud" claim check failed',
    );
    expect((await refused(await sign(undefined, "https://auth.example"), 4500)).reason).toMatch(/"aud" claim/);
    expect((await refused(await sign("dashwire", "https://evil.example"), 4500)).reason).toBe(
      'token "iss" claim check failed',
    );
  });

  it("reads the token from Authorization: Bearer and from ?token=", async () => {
    await start({ secret: SECRET });
    const token = await hs("carol");
    const viaHeader = await RawClient.open(t.url, { authorization: `Bearer ${token}` });
    clients.push(viaHeader);
    viaHeader.send({ t: "connect", v: 1 });
    await viaHeader.next((m) => m.t === "connected");
    expect((await viaHeader.request({ t: "evt", event: "whoami" }, 1)).data).toMatchObject({ id: "carol" });
    const viaQuery = await attempt(undefined, `?token=${token}`);
    await viaQuery.next((m) => m.t === "connected");
    expect((await viaQuery.request({ t: "evt", event: "whoami" }, 1)).data).toMatchObject({ id: "carol" });
  });

  it("accepts tokens of every secret in rotation, and a custom user claim", async () => {
    await start({ secret: [SECRET, OLD_SECRET], userClaim: "uid" });
    const c = await connected(await hs("ignored", { uid: 42 }, OLD_SECRET));
    expect((await c.request({ t: "evt", event: "whoami" }, 1)).data).toMatchObject({ id: "42" });
  });

  it("refuses asymmetric tokens when only secrets are configured (no algorithm confusion)", async () => {
    await start({ secret: SECRET });
    const { privateKey } = await generateKeyPair("RS256");
    const rs = await new SignJWT({}).setProtectedHeader({ alg: "RS256" }).setSubject("a").sign(privateKey);
    expect((await refused(rs, CloseCode.Unauthorized)).reason).toMatch(/algorithm "RS256" not allowed/);
  });

  it("refuses weak secrets and empty configuration at startup", () => {
    expect(() => jwtAuth({ secret: "short" })).toThrow(/at least 32/);
    expect(() => jwtAuth({})).toThrow(/secret/);
  });

  it("lets anonymous clients in when the token is optional, but never a bad token", async () => {
    await start({ secret: SECRET, required: false });
    const anon = await connected(undefined);
    expect((await anon.request({ t: "evt", event: "whoami" }, 1)).data).toBeNull();
    await refused("garbage", CloseCode.Unauthorized);
  });
});

describe("jwtAuth with a JWKS URL", () => {
  async function jwksServer(keys: JWK[]): Promise<{ url: string; fetches: () => number; set(k: JWK[]): void }> {
    let current = keys;
    let fetches = 0;
    const srv = http.createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: current }));
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    closers.push(() => new Promise<void>((r) => srv.close(() => r())));
    const { port } = srv.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}/.well-known/jwks.json`, fetches: () => fetches, set: (k) => (current = k) };
  }

  async function keyPair(kid: string) {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
    const sign = (sub: string, exp = now() + 3600) =>
      new SignJWT({}).setProtectedHeader({ alg: "ES256", kid }).setSubject(sub).setExpirationTime(exp).sign(privateKey);
    return { jwk, sign };
  }

  it("verifies tokens against fetched keys, caches them, and refuses unknown and forged keys", async () => {
    const k1 = await keyPair("k1");
    const jwks = await jwksServer([k1.jwk]);
    await start({ jwksUrl: jwks.url, audience: undefined });
    const c = await connected(await k1.sign("dave"));
    expect((await c.request({ t: "evt", event: "whoami" }, 1)).data).toMatchObject({ id: "dave" });
    await connected(await k1.sign("erin"));
    expect(jwks.fetches()).toBe(1);
    // Same kid, other private key: a forgery.
    const forger = await keyPair("k1");
    expect((await refused(await forger.sign("dave"), CloseCode.Unauthorized)).reason).toBe("token signature invalid");
    // Unknown kids: refused, and the cooldown keeps them from hammering the key server.
    for (let i = 0; i < 5; i++) {
      const stranger = await keyPair(`unknown-${i}`);
      expect((await refused(await stranger.sign("x"), CloseCode.Unauthorized)).reason).toBe("no key matches the token");
    }
    expect(jwks.fetches()).toBeLessThanOrEqual(2);
    expect((await refused(await k1.sign("dave", now() - 60), CloseCode.TokenExpired)).reason).toBe("token expired");
  });

  it("picks up a rotated key once the cooldown has passed", async () => {
    const k1 = await keyPair("k1");
    const k2 = await keyPair("k2");
    const jwks = await jwksServer([k1.jwk]);
    await start({ jwksUrl: jwks.url, jwksCooldownMs: 0 });
    await connected(await k1.sign("a"));
    jwks.set([k1.jwk, k2.jwk]);
    await connected(await k2.sign("b"));
    expect(jwks.fetches()).toBe(2);
  });

  it("refuses an HS256 token signed with the public key (algorithm confusion)", async () => {
    const k1 = await keyPair("k1");
    const jwks = await jwksServer([k1.jwk]);
    await start({ jwksUrl: jwks.url });
    const confused = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setSubject("admin")
      .sign(key(JSON.stringify(k1.jwk)));
    expect((await refused(confused, CloseCode.Unauthorized)).reason).toMatch(/algorithm "HS256" not allowed/);
  });

  it("closes with 4005 (retry later) when the key set cannot be fetched", async () => {
    const k1 = await keyPair("k1");
    const jwks = await jwksServer([k1.jwk]);
    const deadUrl = jwks.url;
    await closers.pop()?.();
    await start({ jwksUrl: deadUrl, jwksTimeoutMs: 500 });
    const last = await refused(await k1.sign("a"), CloseCode.ServerBusy);
    expect(last).toMatchObject({ reconnect: true, reason: "internal error" });
  });
});

describe("token refresh", () => {
  it("extends a session past its first token's expiry; an unrefreshed one is closed with 4004", async () => {
    await start({ secret: SECRET, clockToleranceSec: 0 });
    const soon = now() + 2;
    const refreshed = await connected(await hs("frank", {}, SECRET, soon));
    const lapsed = await connected(await hs("grace", {}, SECRET, soon));
    const later = now() + 600;
    const ack = await refreshed.request({ t: "refresh", token: await hs("frank", { v: 2 }, SECRET, later) }, 1);
    // The ack says how long the new credentials last.
    expect(ack).toMatchObject({ t: "ack", id: 1, data: { ttl: expect.any(Number) } });
    expect((ack.data as { ttl: number }).ttl).toBeGreaterThan(590_000);
    expect((ack.data as { ttl: number }).ttl).toBeLessThanOrEqual(600_000);
    expect(await lapsed.closed(4000)).toBe(CloseCode.TokenExpired);
    expect(lapsed.messages.at(-1)).toMatchObject({ t: "disconnect", code: 4004, reconnect: true });
    await sleep(200);
    expect(refreshed.closeCode).toBeUndefined();
    expect((await refreshed.request({ t: "evt", event: "whoami" }, 2)).data).toMatchObject({
      id: "frank",
      claims: { v: 2, exp: later },
    });
  });

  it("refuses a refresh with a bad, expired or other user's token and keeps the identity", async () => {
    await start({ secret: SECRET, clockToleranceSec: 0 });
    const c = await connected(await hs("heidi"));
    const bad = await c.request({ t: "refresh", token: "nope" }, 1);
    expect(bad.error).toMatchObject({ code: ErrorCode.Unauthorized });
    const expired = await c.request({ t: "refresh", token: await hs("heidi", {}, SECRET, now() - 5) }, 2);
    expect(expired.error).toMatchObject({ code: ErrorCode.TokenExpired });
    const other = await c.request({ t: "refresh", token: await hs("mallory") }, 3);
    expect(other.error).toMatchObject({ code: ErrorCode.Unauthorized, message: "refresh token is for another user" });
    expect((await c.request({ t: "evt", event: "whoami" }, 4)).data).toMatchObject({ id: "heidi" });
  });

  it("tells the client how long its credentials last in `connected` (ttl, ms)", async () => {
    await start({ secret: SECRET, clockToleranceSec: 0, required: false });
    const bounded = await attempt(await hs("ivan", {}, SECRET, now() + 100));
    const info = await bounded.next((m) => m.t === "connected");
    expect(info.ttl).toBeGreaterThan(90_000);
    expect(info.ttl).toBeLessThanOrEqual(100_000);
    const anonymous = await attempt(undefined);
    expect((await anonymous.next((m) => m.t === "connected")).ttl).toBeUndefined();
  });

  // Issue 12 item 6: a token without `exp` made a bounded session unbounded.
  it("refuses a refresh that would make a bounded session unbounded, and still closes it at the old expiry", async () => {
    await start({ secret: SECRET, clockToleranceSec: 0, required: false });
    const c = await connected(await hs("judy", {}, SECRET, now() + 2));
    const forever = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("judy").sign(key(SECRET));
    const noExp = await c.request({ t: "refresh", token: forever }, 1);
    expect(noExp.error).toMatchObject({ code: ErrorCode.Unauthorized });
    // An empty token (anonymous, allowed at connect here) may not drop the bound either.
    const empty = await c.request({ t: "refresh", token: "" }, 2);
    expect(empty.error).toMatchObject({ code: ErrorCode.Unauthorized });
    expect((await c.request({ t: "evt", event: "whoami" }, 3)).data).toMatchObject({ id: "judy" });
    expect(await c.closed(5000)).toBe(CloseCode.TokenExpired);
  });
});

describe("per-user topics", () => {
  async function startTopics(): Promise<void> {
    await start({ secret: SECRET, required: false });
    t.server.topic("user:{id}:*", {
      canSubscribe: ownTopic("id"),
      canPublish: ownTopic("id"),
      presence: true,
    });
  }

  it("lets a user subscribe and publish to their own topics only (Forbidden 2003)", async () => {
    await startTopics();
    const alice = await connected(await hs("alice"));
    const bob = await connected(await hs("bob"));
    expect((await alice.request({ t: "sub", topic: "user:alice:inbox" }, 1)).data).toMatchObject({ offset: 0 });
    const sub = await bob.request({ t: "sub", topic: "user:alice:inbox" }, 1);
    expect(sub.error).toMatchObject({ code: ErrorCode.Forbidden });
    const pub = await bob.request({ t: "pub", topic: "user:alice:inbox", data: "spoof" }, 2);
    expect(pub.error).toMatchObject({ code: ErrorCode.Forbidden });
    const presence = await bob.request({ t: "presence", topic: "user:alice:inbox" }, 3);
    expect(presence.error).toMatchObject({ code: ErrorCode.Forbidden });
    expect((await alice.request({ t: "pub", topic: "user:alice:inbox", data: "mine" }, 2)).data).toMatchObject({
      offset: 1,
    });
    await alice.next((m) => m.t === "msg" && m.d === "mine");
    expect(alice.messages.some((m) => m.t === "msg" && m.d === "spoof")).toBe(false);
  });

  it("refuses anonymous clients and ids that try to escape the segment", async () => {
    await startTopics();
    const anon = await connected(undefined);
    expect((await anon.request({ t: "sub", topic: "user:alice:inbox" }, 1)).error).toMatchObject({
      code: ErrorCode.Forbidden,
    });
    const sneaky = await connected(await hs("alice:inbox"));
    for (const [i, topic] of ["user:alice:inbox", "user:alice:inbox:x"].entries())
      expect((await sneaky.request({ t: "sub", topic }, i)).error).toMatchObject({ code: ErrorCode.Forbidden });
  });
});
