import { describe, expect, it } from "vitest";
import { formatTag, scanTags, type TagSink } from "../src/load/tag.js";

class Sink implements TagSink {
  seen: Array<[number, number, number, number, number]> = [];
  record(receiver: number, sender: number, seq: number, scheduledUs: number, nowUs: number): void {
    this.seen.push([receiver, sender, seq, scheduledUs, nowUs]);
  }
}

const payload = (sender: number, seq: number, at: number) =>
  `{"metric":"cpu.load","value":1.5,"b":"${formatTag(sender, seq, at)}"}`;

describe("scanTags", () => {
  it("reads sender, sequence and scheduled time from every target's framing", () => {
    const at = 1_795_468_743_861_123; // µs since 1970: needs the full double range
    const frames = [
      payload(3, 7, at), // ws, Channels
      `42["update",${payload(3, 7, at)}]`, // Socket.IO, Flask-SocketIO
      `{"metric": "cpu.load", "value": 1.5, "b": "${formatTag(3, 7, at)}"}`, // Python json.dumps spacing
      `{"t":"msg","c":"dashboard","e":"x","o":9,"d":${payload(3, 7, at)}}`, // dashwire
    ];
    for (const f of frames) {
      const sink = new Sink();
      expect(scanTags(Buffer.from(f), sink, 5, 42)).toBe(1);
      expect(sink.seen).toEqual([[5, 3, 7, at, 42]]);
    }
  });

  it("reads tags in MessagePack frames (fixstr header instead of quotes; issue 19)", async () => {
    const { msgpackCodec } = await import("@dashwire/protocol/msgpack");
    const at = 1_795_468_743_861_123;
    const msg = (q: number) => ({
      t: "msg",
      c: "d",
      e: "x",
      o: q,
      d: { metric: "cpu", v: 1.5, b: formatTag(12, q, at + q) },
    });
    const frame = msgpackCodec.frame([0, 1, 2].map((q) => msgpackCodec.encode(msg(q))));
    const sink = new Sink();
    expect(scanTags(Buffer.from(frame), sink, 4, 9)).toBe(3);
    expect(sink.seen).toEqual([0, 1, 2].map((q) => [4, 12, q, at + q, 9]));
  });

  it("finds every message of a batched frame", () => {
    const batch = `[${[0, 1, 2].map((q) => `{"t":"msg","c":"d","e":"x","o":${q},"d":${payload(1, q, 1000 + q)}}`).join(",")}]`;
    const sink = new Sink();
    expect(scanTags(Buffer.from(batch), sink, 0, 0)).toBe(3);
    expect(sink.seen.map((s) => s[2])).toEqual([0, 1, 2]);
    expect(sink.seen.map((s) => s[3])).toEqual([1000, 1001, 1002]);
  });

  it("skips malformed or cut tags and frames without tags", () => {
    const sink = new Sink();
    const bad = ['{"b":"#1.2"}', '{"b":"#1.x.3"}', '{"b":"#.1.2"}', '{"b":"#1.2.3', '{"t":"ping"}', '"#'];
    for (const f of bad) expect(scanTags(Buffer.from(f), sink, 0, 0)).toBe(0);
    expect(sink.seen).toEqual([]);
  });
});
