import type { Publication, PublishInput } from "@dashwire/server";
import { headers, type MsgHdrs } from "nats";

/** Message headers dashwire puts on stored messages. */
export const Hdr = {
  epoch: "Dw-E",
  /** First offset of a history message (0: an epoch marker, no publications). */
  offset: "Dw-O",
  /** Publications in a history message. */
  count: "Dw-N",
  time: "Dw-T",
  /** Latest-value messages: the key as JSON (header values cannot hold CR or LF; JSON escapes them). */
  key: "Dw-K",
  urgent: "Dw-U",
  /** Retention of the topic when published, so readers apply the same ring, TTL and key cap. */
  historySize: "Dw-H",
  historyTtl: "Dw-A",
  latestKeys: "Dw-L",
  expectLastSubjectSeq: "Nats-Expected-Last-Subject-Sequence",
  /** Added by JetStream when it republishes a stored message. */
  sequence: "Nats-Sequence",
} as const;

const NL = 10;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Headers of a history message holding `count` publications from `offset` on. Retention goes
 * with it so that readers on any node apply the topic's ring size, TTL and key cap.
 */
export function batchHeaders(
  input: PublishInput | undefined,
  epoch: string,
  offset: number,
  count: number,
  time: number,
): MsgHdrs {
  const h = headers();
  h.set(Hdr.epoch, epoch);
  h.set(Hdr.offset, String(offset));
  h.set(Hdr.count, String(count));
  h.set(Hdr.time, String(time));
  if (input === undefined) return h;
  const { retention } = input;
  h.set(Hdr.historySize, String(retention.historySize));
  h.set(Hdr.historyTtl, String(retention.historyTtlMs));
  h.set(Hdr.latestKeys, String(retention.latestKeys));
  return h;
}

/**
 * The body of a history message: per publication a line `<urgent 0|1><JSON key or nothing>`,
 * a line with the data's byte length, then the data bytes. Several publications of one topic
 * share a message when they were waiting together (group commit: one offset race per batch).
 */
export function encodeBatch(inputs: PublishInput[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const input of inputs) {
    const data = encoder.encode(input.data);
    const key = input.key === undefined ? "" : JSON.stringify(input.key);
    const head = encoder.encode(`${input.urgent ? 1 : 0}${key}\n${data.byteLength}\n`);
    parts.push(head, data);
    size += head.byteLength + data.byteLength;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** The publications of a history message (none for markers and foreign messages). */
export function decodeBatch(topic: string, h: MsgHdrs | undefined, body: Uint8Array): Publication[] {
  const out: Publication[] = [];
  if (h === undefined) return out;
  const first = Number(h.get(Hdr.offset));
  const count = Number(h.get(Hdr.count));
  if (!(first > 0) || !(count > 0)) return out;
  const epoch = h.get(Hdr.epoch);
  const time = Number(h.get(Hdr.time));
  let at = 0;
  for (let i = 0; i < count; i++) {
    const nl1 = body.indexOf(NL, at);
    const nl2 = body.indexOf(NL, nl1 + 1);
    if (nl1 < 0 || nl2 < 0) break;
    const line = decoder.decode(body.subarray(at, nl1));
    const length = Number(decoder.decode(body.subarray(nl1 + 1, nl2)));
    const pub: Publication = {
      topic,
      epoch,
      offset: first + i,
      data: decoder.decode(body.subarray(nl2 + 1, nl2 + 1 + length)),
      time,
    };
    if (line.length > 1) pub.key = JSON.parse(line.slice(1)) as string;
    if (line.charCodeAt(0) === 49 /* "1" */) pub.urgent = true;
    out.push(pub);
    at = nl2 + 1 + length;
  }
  return out;
}

/** Headers of a latest-value message (its body is the data). */
export function latestHeaders(pub: Publication): MsgHdrs {
  const h = headers();
  h.set(Hdr.epoch, pub.epoch);
  h.set(Hdr.offset, String(pub.offset));
  h.set(Hdr.time, String(pub.time));
  h.set(Hdr.key, JSON.stringify(pub.key ?? ""));
  if (pub.urgent) h.set(Hdr.urgent, "1");
  return h;
}

/** The publication of a latest-value message. */
export function decodeLatest(topic: string, h: MsgHdrs | undefined, body: Uint8Array): Publication | undefined {
  if (h === undefined || !h.has(Hdr.key)) return undefined;
  const pub: Publication = {
    topic,
    epoch: h.get(Hdr.epoch),
    offset: Number(h.get(Hdr.offset)),
    data: decoder.decode(body),
    time: Number(h.get(Hdr.time)),
    key: JSON.parse(h.get(Hdr.key)) as string,
  };
  if (h.get(Hdr.urgent) === "1") pub.urgent = true;
  return pub;
}

/** A number header, 0 when absent. */
export function numberHeader(h: MsgHdrs | undefined, name: string): number {
  const n = Number(h?.get(name) ?? "");
  return Number.isFinite(n) ? n : 0;
}
