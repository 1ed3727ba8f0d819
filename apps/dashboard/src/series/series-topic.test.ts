import { createHash } from "node:crypto";
import { isValidTopic } from "@dashwire/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSeries, formatSeriesId, makeTags } from "./series-id.js";
import { isForSeries, isPlainSeriesTopic, seriesTopic, withSeriesId } from "./series-topic.js";

describe("series topics", () => {
  it("uses the id itself when it is made of topic characters", () => {
    expect(seriesTopic("cpu.usage,host=a")).toBe("metrics:cpu.usage,host=a");
    expect(seriesTopic("a-b_c.d:e/f@g,k=v+1#2")).toBe("metrics:a-b_c.d:e/f@g,k=v+1#2");
  });

  it("hashes every other id: SHA-256 of its UTF-8 bytes, base64url, after a ~", () => {
    const sha = (s: string) => createHash("sha256").update(s, "utf8").digest("base64url");
    expect(seriesTopic("温度")).toBe(`metrics:~${sha("温度")}`);
    expect(seriesTopic("m,host=web 1")).toBe(`metrics:~${sha("m,host=web 1")}`);
    // "~" is a topic character, but it marks the hashed form, so an id holding one is hashed too.
    expect(seriesTopic("a~b")).toBe(`metrics:~${sha("a~b")}`);
    // Too long to be a topic as is.
    const long = "x".repeat(249);
    expect(isPlainSeriesTopic("x".repeat(248))).toBe(true);
    expect(seriesTopic(long)).toBe(`metrics:~${sha(long)}`);
  });

  it("maps distinct ids to distinct valid topics (the old ids collapsed to one)", () => {
    const ids = [
      formatSeriesId("温度", undefined),
      formatSeriesId("湿度", undefined),
      formatSeriesId("__", undefined),
      formatSeriesId("m", { host: "web\\ 1" }),
      formatSeriesId("m", { host: "web_1" }),
      formatSeriesId("m", { host: "web 1" }),
    ];
    const topics = ids.map(seriesTopic);
    expect(new Set(topics).size).toBe(ids.length);
    for (const t of topics) expect(isValidTopic(t)).toBe(true);
  });

  it("always yields a valid topic, the same one for the same id (property)", () => {
    const part = fc
      .string({ minLength: 1, maxLength: 40, unit: "binary" })
      .filter((s) => checkSeries(s, undefined) === undefined);
    fc.assert(
      fc.property(part, fc.dictionary(part, part, { maxKeys: 4 }), (name, raw) => {
        const id = formatSeriesId(name, makeTags(Object.entries(raw)));
        const topic = seriesTopic(id);
        expect(isValidTopic(topic)).toBe(true);
        expect(seriesTopic(id)).toBe(topic);
        if (isPlainSeriesTopic(id)) expect(topic).toBe(`metrics:${id}`);
        else expect(topic).toMatch(/^metrics:~[A-Za-z0-9_-]{43}$/);
      }),
    );
  });

  it("adds the id to data on hashed topics so subscribers can check it", () => {
    expect(withSeriesId("cpu", { t: 1 })).toEqual({ t: 1 });
    expect(withSeriesId("温度", { t: 1 })).toEqual({ t: 1, id: "温度" });
    expect(isForSeries("cpu", { t: 1 })).toBe(true);
    expect(isForSeries("温度", { t: 1, id: "温度" })).toBe(true);
    expect(isForSeries("温度", { t: 1, id: "湿度" })).toBe(false);
    expect(isForSeries("温度", { t: 1 })).toBe(false);
  });
});
