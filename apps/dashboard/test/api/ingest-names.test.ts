/**
 * Issue 12 item 7 end to end: names and tags are kept as written (Unicode, escapes, `__proto__`),
 * distinct inputs stay distinct series through HTTP ingest, `/series`, `/query` and the live
 * topics, and every topic is one the protocol accepts.
 */
import { connect } from "@dashwire/client/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { seriesTopic } from "../../src/series/series-topic.js";
import { getJson, post, type QueryBody, startApp, type TestApp } from "./helpers.js";

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

/** The last value of the newest closed bucket of `id`, once there is one. */
async function lastValue(id: string): Promise<number> {
  let last: number | undefined;
  await until(
    async () => {
      const q = await getJson<QueryBody>(t.url(`/api/v1/query?${new URLSearchParams({ series: id })}`));
      expect(q.status).toBe(200);
      last = q.body.points.at(-1)?.[5];
      return last !== undefined;
    },
    5000,
    `a closed bucket of ${id}`,
  );
  return last as number;
}

const BODY = [
  "温度 v=1",
  "湿度 v=2",
  "__ v=3",
  "m,host=web\\ 1 v=4",
  "m,host=web_1 v=5",
  "m,__proto__=x v=6",
  "a.b c=7",
  "a b.c=8",
].join("\n");
// In an id, the name's own backslash (from the escaped "." of "a.b") is escaped once more.
const IDS = [
  "温度.v",
  "湿度.v",
  "__.v",
  "m.v,host=web 1",
  "m.v,host=web_1",
  "m.v,__proto__=x",
  String.raw`a\\.b.c`,
  "a.b.c",
];

describe("names kept as written", () => {
  it("stores each distinct input as its own series and lists it with its tags", async () => {
    expect(await post(t.url("/api/v1/metrics"), BODY)).toEqual({ status: 200, body: { accepted: 8 } });
    const listed = await getJson<{ series: Array<{ id: string; tags: Record<string, string> }> }>(
      t.url("/api/v1/series"),
    );
    const byId = new Map(listed.body.series.map((s) => [s.id, s]));
    for (const id of IDS) expect(byId.has(id), id).toBe(true);
    expect(byId.get("m.v,__proto__=x")?.tags).toEqual(JSON.parse('{"__proto__":"x"}'));
    const values = await Promise.all(IDS.map(lastValue));
    expect(values).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("publishes each series on its own topic, which a client can subscribe to", async () => {
    const client = connect(`${t.app.url.replace("http", "ws")}/dashwire`);
    const got = new Map<string, unknown[]>();
    try {
      const subs = ["温度.v", "湿度.v", "m.v,host=web 1", "m.v,host=web_1"].map((id) => {
        got.set(id, []);
        return client.subscribe(seriesTopic(id), (data) => got.get(id)?.push(data));
      });
      await Promise.all(subs.map((s) => s.ready));
      expect(new Set(subs.map((s) => s.topic)).size).toBe(4);
      await post(t.url("/api/v1/metrics"), "温度 v=21\n湿度 v=55\nm,host=web\\ 1 v=1\nm,host=web_1 v=2");
      await until(() => [...got.values()].every((list) => list.length > 0), 5000, "a publication on every topic");
      expect(got.get("温度.v")?.at(-1)).toMatchObject({ id: "温度.v", last: 21 });
      expect(got.get("湿度.v")?.at(-1)).toMatchObject({ id: "湿度.v", last: 55 });
      expect(got.get("m.v,host=web 1")?.at(-1)).toMatchObject({ id: "m.v,host=web 1", last: 1 });
      // A plain id is its own topic; its data needs no id.
      expect(got.get("m.v,host=web_1")?.at(-1)).toMatchObject({ last: 2 });
    } finally {
      client.close();
    }
  });
});
