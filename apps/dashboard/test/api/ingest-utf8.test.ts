/**
 * Bytes that are not UTF-8 never become names. Decoded with replacement, `a\xff` and `a\xfe`
 * both read `a\uFFFD`: two inputs stored as one series without a word (the issue 12 item 7
 * class). Line protocol checked its lines already; JSON bodies (the metrics API, OTLP/JSON,
 * dashboards) and socket frames were decoded with replacement.
 */
import { ExportMetricsServiceRequest } from "../../src/ingest/otlp-proto.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { seriesIds } from "../ingest/agent-helpers.js";
import { startApp, type TestApp } from "./helpers.js";

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

/** `before` + one raw byte + `after`. */
const withByte = (before: string, byte: number, after: string) =>
  Buffer.concat([Buffer.from(before), Buffer.from([byte]), Buffer.from(after)]);

const BAD_BYTES = [0xff, 0xfe, 0xc3, 0x80];

describe("JSON bodies that are not UTF-8 are a 400, nothing stored", () => {
  it.each([
    ["/api/v1/metrics", "application/json", (b: number) => withByte('{"name":"ja', b, '","value":1}')],
    ["/api/v1/metrics", "", (b: number) => withByte('[{"name":"jb', b, '","value":1}]')],
    [
      "/v1/metrics",
      "application/json",
      (b: number) =>
        withByte(
          '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"jc',
          b,
          '","gauge":{"dataPoints":[{"asDouble":1}]}}]}]}]}',
        ),
    ],
    ["/api/v1/dashboards", "application/json", (b: number) => withByte('{"title":"jd', b, '","panels":[]}')],
  ])("%s (%s)", async (path, type, body) => {
    for (const byte of BAD_BYTES) {
      const res = await fetch(t.url(path), {
        method: "POST",
        headers: type === "" ? {} : { "content-type": type },
        body: body(byte),
      });
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).toMatch(/not valid UTF-8/);
    }
  });

  it("stores none of those series, and lists no dashboard made of them", async () => {
    for (const prefix of ["ja", "jb", "jc"]) expect(await seriesIds(t, prefix)).toEqual([]);
    const list = (await (await fetch(t.url("/api/v1/dashboards"))).json()) as { dashboards: { id: string }[] };
    expect(list.dashboards.map((d) => d.id)).not.toContain("jd");
  });

  it("still decodes protobuf strings strictly (OTLP's names are refused, not replaced)", async () => {
    const raw = Buffer.from(
      ExportMetricsServiceRequest.encode(
        ExportMetricsServiceRequest.fromObject({
          resourceMetrics: [
            { scopeMetrics: [{ metrics: [{ name: "pb#", gauge: { dataPoints: [{ asDouble: 1 }] } }] }] },
          ],
        }),
      ).finish(),
    );
    raw[raw.indexOf("pb#") + 2] = 0xff;
    const res = await fetch(t.url("/v1/metrics"), {
      method: "POST",
      headers: { "content-type": "application/x-protobuf" },
      body: raw,
    });
    expect(res.status).toBe(400);
    expect(await seriesIds(t, "pb")).toEqual([]);
  });
});

describe("socket ingest", () => {
  it("closes a socket that writes points in a binary frame that is not UTF-8 (1007), storing nothing", async () => {
    for (const byte of [0xff, 0xfe]) {
      const ws = new WebSocket(`${t.app.url.replace("http", "ws")}/dashwire`);
      await new Promise((resolve, reject) => {
        ws.once("open", resolve);
        ws.once("error", reject);
      });
      const closed = new Promise<number>((resolve) => ws.once("close", resolve));
      const acked = new Promise<void>((resolve) =>
        ws.on("message", (m) => m.toString().includes('"connected"') && resolve()),
      );
      ws.send(JSON.stringify({ t: "connect", v: 1 }));
      await acked;
      ws.send(withByte('{"t":"evt","id":1,"event":"metrics.write","data":{"name":"wa', byte, '","value":1}}'), {
        binary: true,
      });
      expect(await closed).toBe(1007);
    }
    expect(await seriesIds(t, "wa")).toEqual([]);
  });
});
