import { type Frame, jsonCodec } from "@dashwire/protocol";
import { describe, expect, it } from "vitest";
import { utf8Length } from "@dashwire/protocol";
import { MAX_BATCH_MESSAGES, Outbox } from "./outbox.js";

describe("utf8Length", () => {
  it("matches TextEncoder for ASCII, 2-, 3- and 4-byte characters and lone surrogates", () => {
    const enc = new TextEncoder();
    for (const s of ["", "abc", "é", "€uro", "😀x😀", "a\ud800b", "\udc00", JSON.stringify({ t: "pub", d: "ü😀" })])
      expect(utf8Length(s)).toBe(enc.encode(s).length);
  });
});

describe("Outbox", () => {
  it("joins messages queued in one turn into one batch frame", async () => {
    const frames: Frame[] = [];
    const box = new Outbox(jsonCodec, (f) => frames.push(f));
    box.push('{"t":"a"}');
    box.push('{"t":"b"}');
    expect(frames).toEqual([]);
    await Promise.resolve();
    expect(frames).toEqual(['[{"t":"a"},{"t":"b"}]']);
    box.push('{"t":"c"}');
    await Promise.resolve();
    // A lone message is sent as itself, not as a one-element batch.
    expect(frames[1]).toBe('{"t":"c"}');
  });

  it("splits before a frame would pass the byte limit or the message cap", () => {
    const frames: Frame[] = [];
    const box = new Outbox(jsonCodec, (f) => frames.push(f));
    box.maxFrameBytes = 25;
    const part = '{"t":"abcd"}'; // 12 bytes; a batch of two would be 1 + 13 + 13 = 27 > 25
    expect(box.push(part)).toBe(true);
    expect(box.push(part)).toBe(true);
    box.flush();
    expect(frames).toEqual([part, part]);
    for (const f of frames) expect(utf8Length(f as string)).toBeLessThanOrEqual(25);

    frames.length = 0;
    box.maxFrameBytes = 1 << 20;
    for (let i = 0; i < MAX_BATCH_MESSAGES + 5; i++) box.push(`{"i":${i}}`);
    box.flush();
    expect(frames.length).toBe(2);
    expect((JSON.parse(frames[0] as string) as unknown[]).length).toBe(MAX_BATCH_MESSAGES);
    expect((JSON.parse(frames[1] as string) as unknown[]).length).toBe(5);
  });

  it("refuses a message larger than a frame and drops everything on clear()", async () => {
    const frames: Frame[] = [];
    const box = new Outbox(jsonCodec, (f) => frames.push(f));
    box.maxFrameBytes = 10;
    expect(box.push('{"t":"toolong"}')).toBe(false);
    expect(box.push('{"t":"a"}')).toBe(true);
    box.clear();
    await Promise.resolve();
    expect(frames).toEqual([]);
  });
});

describe("Outbox on a busy transport", () => {
  it("holds messages while the transport is busy and sends them as one frame on drain", async () => {
    const frames: Frame[] = [];
    let busy = false;
    const box = new Outbox(jsonCodec, (f) => {
      frames.push(f);
      return !busy;
    });
    busy = true;
    box.push('{"t":"a"}');
    await Promise.resolve();
    expect(frames).toEqual(['{"t":"a"}']);
    expect(box.waiting).toBe(true);
    // Later turns collect behind the busy transport...
    box.push('{"t":"b"}');
    await Promise.resolve();
    box.push('{"t":"c"}');
    await Promise.resolve();
    expect(frames).toHaveLength(1);
    // ...and leave together, in order, when it drains.
    busy = false;
    box.drain();
    expect(frames[1]).toBe('[{"t":"b"},{"t":"c"}]');
    expect(box.waiting).toBe(false);
  });

  it("still writes a full batch while busy (the transport queues it) and clear() unblocks", () => {
    const frames: Frame[] = [];
    const box = new Outbox(jsonCodec, (f) => frames.push(f) < 0);
    box.push('{"t":"x"}');
    box.flush();
    for (let i = 0; i < MAX_BATCH_MESSAGES + 1; i++) box.push(`{"i":${i}}`);
    expect(frames).toHaveLength(2);
    expect(JSON.parse(frames[1] as string)).toHaveLength(MAX_BATCH_MESSAGES);
    box.clear();
    expect(box.waiting).toBe(false);
    expect(box.size).toBe(0);
  });
});
