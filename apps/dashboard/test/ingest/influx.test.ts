/**
 * The InfluxDB write API, with requests shaped exactly as Telegraf's outputs send them (read from
 * telegraf's plugins/outputs/influxdb/http.go and influxdb_v2/http.go): the headers, the query
 * strings, gzip bodies, Basic and Token auth, the `CREATE DATABASE` form post, and the lines of
 * the default `inputs.system` (whose `uptime_format` line holds only a string field). Telegraf
 * itself is not packaged for Debian, so it cannot run here.
 */
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type TestApp } from "../api/helpers.js";
import { counter, rowsOf } from "./agent-helpers.js";

const WRITER = "telegraf-writer-key";
const READER = "dashboard-reader-key";
const USER_AGENT = "Telegraf/1.28.5 Go/1.21.4";

let t: TestApp;
beforeAll(async () => {
  t = await startApp({
    apiKeys: [
      { key: WRITER, scopes: ["write"] },
      { key: READER, scopes: ["read"] },
    ],
  });
});
afterAll(() => t.close());

/** Lines as Telegraf's default `inputs.system`, `inputs.cpu` and `inputs.mem` write them, at `ns`. */
function telegrafLines(host: string, ns: bigint): string {
  return [
    `system,host=${host} load1=0.42,load15=0.17,load5=0.25,n_cpus=2i,n_unique_users=1i,n_users=1i ${ns}`,
    `system,host=${host} uptime=86520i ${ns}`,
    `system,host=${host} uptime_format="1 day,  0:02" ${ns}`,
    `cpu,cpu=cpu-total,host=${host} usage_idle=91.5,usage_system=3.25,usage_user=5.25 ${ns}`,
    `mem,host=${host} available=3221225472i,used_percent=61.2 ${ns}`,
    "",
  ].join("\n");
}

/** A POST as Telegraf's `outputs.influxdb` (v1) makes it. */
function v1Write(query: string, body: string, auth?: string) {
  const headers: Record<string, string> = {
    "user-agent": USER_AGENT,
    "content-type": "text/plain; charset=utf-8",
    "content-encoding": "gzip",
  };
  if (auth !== undefined) headers.authorization = auth;
  return fetch(t.url(`/write?${query}`), { method: "POST", headers, body: gzipSync(body) });
}

/** A POST as Telegraf's `outputs.influxdb_v2` makes it. */
function v2Write(query: string, body: string, token?: string) {
  const headers: Record<string, string> = {
    "user-agent": USER_AGENT,
    "content-type": "text/plain; charset=utf-8",
    "content-encoding": "gzip",
  };
  if (token !== undefined) headers.authorization = `Token ${token}`;
  return fetch(t.url(`/api/v2/write?${query}`), { method: "POST", headers, body: gzipSync(body) });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const nowNs = () => BigInt(Date.now()) * 1_000_000n;

describe("InfluxDB v1 write API (Telegraf outputs.influxdb)", () => {
  it("creates the database as Telegraf does at start: a form POST to /query", async () => {
    const res = await fetch(t.url("/query"), {
      method: "POST",
      headers: {
        "user-agent": USER_AGENT,
        "content-type": "application/x-www-form-urlencoded",
        authorization: basic("telegraf", WRITER),
      },
      body: new URLSearchParams({ q: 'CREATE DATABASE "telegraf"' }).toString(),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-influxdb-version")).toMatch(/^1\./);
    expect(await res.json()).toEqual({ results: [{ statement_id: 0 }] });
    const show = await fetch(t.url(`/query?${new URLSearchParams({ q: "SHOW DATABASES", u: "x", p: READER })}`));
    expect(await show.json()).toEqual({
      results: [{ statement_id: 0, series: [{ name: "databases", columns: ["name"], values: [["telegraf"]] }] }],
    });
    // A key without the write scope cannot create; an unknown key gets 401, as InfluxDB answers.
    const reader = await fetch(t.url(`/query?${new URLSearchParams({ q: 'CREATE DATABASE "x"', p: READER })}`), {
      method: "POST",
    });
    expect((await reader.json()).results[0].error).toMatch(/lacks the write scope/);
    const unknown = await fetch(t.url(`/query?${new URLSearchParams({ q: "SHOW DATABASES", p: "nope-nope-nope" })}`));
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({ error: expect.any(String) });
  });

  it("stores the inputs.system lines with 204, counting the string-only uptime_format line as ignored", async () => {
    const before = await counter(t, 'dashwire_ingest_points_total{format="influx_v1",result="ignored"}');
    const res = await v1Write("db=telegraf", telegrafLines("web-1", nowNs()), basic("telegraf", WRITER));
    expect(res.status).toBe(204);
    expect(res.headers.get("x-influxdb-version")).toMatch(/^1\.8/);
    expect(await res.text()).toBe("");
    const [row] = await rowsOf(t, "system.load1,host=web-1");
    expect(row?.[5]).toBe(0.42);
    expect((await rowsOf(t, "system.uptime,host=web-1"))[0]?.[5]).toBe(86520);
    expect((await rowsOf(t, "cpu.usage_idle,cpu=cpu-total,host=web-1"))[0]?.[5]).toBe(91.5);
    expect((await rowsOf(t, "mem.available,host=web-1"))[0]?.[5]).toBe(3221225472);
    expect(await counter(t, 'dashwire_ingest_points_total{format="influx_v1",result="ignored"}')).toBe(before + 1);
  });

  it("takes the key as ?u=&p=, Basic password, or a user name alone; refuses others InfluxDB's way", async () => {
    const line = (v: number) => `auth_v1 v=${v} ${nowNs()}`;
    expect((await v1Write(`db=telegraf&u=telegraf&p=${WRITER}`, line(1))).status).toBe(204);
    expect((await v1Write("db=telegraf", line(2), basic(WRITER, ""))).status).toBe(204);
    const none = await v1Write("db=telegraf", line(3));
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: expect.stringMatching(/key required/) });
    const wrong = await v1Write("db=telegraf", line(4), basic("telegraf", "wrong-password"));
    expect(wrong.status).toBe(401);
    const reader = await v1Write("db=telegraf", line(5), basic("telegraf", READER));
    expect(reader.status).toBe(403);
    expect(await reader.json()).toEqual({ error: expect.stringMatching(/write scope/) });
  });

  it("answers a partial write with 400 and keeps the good lines (Telegraf drops, not retries)", async () => {
    const ns = nowNs();
    const res = await v1Write(
      "db=telegraf",
      `part_v1 ok=1 ${ns}\npart_v1 bad=oops ${ns}\npart_v1,h=a,h=b x=1 ${ns}`,
      basic("t", WRITER),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string };
    expect(Object.keys(body)).toEqual(["error"]);
    expect(body.error).toMatch(
      /^partial write: line 2: field "bad": invalid value "oops"; line 3: tag "h" given twice dropped=2$/,
    );
    expect((await rowsOf(t, "part_v1.ok"))[0]?.[5]).toBe(1);
  });

  it("checks db and precision, and the body size after decompression", async () => {
    const auth = basic("t", WRITER);
    const nodb = await v1Write("", "x v=1", auth);
    expect(nodb.status).toBe(400);
    expect(await nodb.json()).toEqual({ error: "database is required" });
    const prec = await v1Write("db=telegraf&precision=fortnight", "x v=1", auth);
    expect(prec.status).toBe(400);
    // Minutes and hours are InfluxDB v1 precisions too.
    expect(
      (await v1Write(`db=telegraf&precision=m&u=u&p=${WRITER}`, `prec_m v=1 ${Math.floor(Date.now() / 60000)}`)).status,
    ).toBe(204);
    const big = await v1Write("db=telegraf", "big v=1\n".repeat(200_000), auth);
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ error: expect.stringMatching(/larger than/) });
  });
});

describe("Telegraf outputs.http with data_format influx", () => {
  it("posts the inputs.system lines to /api/v1/metrics: 200, the string-only line ignored, not a 400", async () => {
    const res = await fetch(t.url("/api/v1/metrics?precision=ns"), {
      method: "POST",
      headers: {
        "user-agent": USER_AGENT,
        "content-type": "text/plain; charset=utf-8",
        "content-encoding": "gzip",
        authorization: `Bearer ${WRITER}`,
      },
      body: gzipSync(telegrafLines("web-3", nowNs())),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 12, ignored: 1 });
    expect((await rowsOf(t, "system.n_cpus,host=web-3"))[0]?.[5]).toBe(2);
  });
});

describe("InfluxDB v2 write API (Telegraf outputs.influxdb_v2)", () => {
  it("stores a gzip batch sent with a Token, org and bucket, answering 204", async () => {
    const res = await v2Write("bucket=telegraf&org=acme", telegrafLines("web-2", nowNs()), WRITER);
    expect(res.status).toBe(204);
    expect((await rowsOf(t, "system.load5,host=web-2"))[0]?.[5]).toBe(0.25);
    expect((await rowsOf(t, "mem.used_percent,host=web-2"))[0]?.[5]).toBe(61.2);
  });

  it("answers errors as {code, message}, with InfluxDB 2's statuses", async () => {
    const line = `v2_err v=1 ${nowNs()}`;
    const none = await v2Write("bucket=b&org=o", line);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ code: "unauthorized", message: expect.any(String) });
    const reader = await v2Write("bucket=b&org=o", line, READER);
    expect(reader.status).toBe(403);
    expect((await reader.json()).code).toBe("forbidden");
    const nobucket = await v2Write("org=o", line, WRITER);
    expect(nobucket.status).toBe(400);
    expect(await nobucket.json()).toEqual({ code: "invalid", message: "bucket is required" });
    const prec = await v2Write("bucket=b&org=o&precision=m", line, WRITER);
    expect(await prec.json()).toEqual({ code: "invalid", message: expect.stringMatching(/ns, us, ms, and s/) });
    // A bad line: 400 with the line number; the good line is kept.
    const bad = await v2Write("bucket=b&org=o", `v2_part ok=2 ${nowNs()}\nv2_part bad=`, WRITER);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      code: "invalid",
      message: expect.stringMatching(/^partial write: line 2: /),
      line: 2,
    });
    expect((await rowsOf(t, "v2_part.ok"))[0]?.[5]).toBe(2);
    // Good lines the store refused (an hour in the future): 422, as for points beyond retention.
    const future = await v2Write("bucket=b&org=o", `v2_future v=1 ${nowNs() + 3_600_000_000_000n}`, WRITER);
    expect(future.status).toBe(422);
    expect((await future.json()).code).toBe("unprocessable entity");
  });
});

describe("/ping and counters", () => {
  it("answers GET and HEAD /ping with 204 and the version header, without a key", async () => {
    for (const method of ["GET", "HEAD"]) {
      const res = await fetch(t.url("/ping"), { method });
      expect(res.status).toBe(204);
      expect(res.headers.get("x-influxdb-version")).toBe("1.8.10");
    }
    const verbose = await fetch(t.url("/ping?verbose=true"));
    expect(await verbose.json()).toEqual({ version: "1.8.10" });
  });

  it("counts accepted, ignored and refused points per format, and refused requests by status", async () => {
    const sample = (format: string, result: string) =>
      `dashwire_ingest_points_total{format="${format}",result="${result}"}`;
    const refused = await counter(t, sample("influx_v2", "refused"));
    const accepted = await counter(t, sample("influx_v2", "accepted"));
    const unauthorized = await counter(t, 'dashwire_ingest_requests_refused_total{format="influx_v2",status="401"}');
    await v2Write("bucket=b&org=o", `cnt a=1,b=2 ${nowNs()}\ncnt c=`, WRITER);
    await v2Write("bucket=b&org=o", "cnt a=1");
    expect(await counter(t, sample("influx_v2", "accepted"))).toBe(accepted + 2);
    expect(await counter(t, sample("influx_v2", "refused"))).toBe(refused + 1);
    expect(await counter(t, 'dashwire_ingest_requests_refused_total{format="influx_v2",status="401"}')).toBe(
      unauthorized + 1,
    );
  });
});
