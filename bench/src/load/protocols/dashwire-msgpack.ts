import { msgpackCodec } from "@dashwire/protocol/msgpack";
import { type DashwireProtocolOptions, dashwireProtocolDefaults } from "./dashwire.js";
import type { ProtocolClient, WireProtocol } from "./wire-protocol.js";

/** Id of the subscribe. */
const SUB_ID = 1;

/** `{t:"ping"}` as the server encodes it: searched for in frames that carry publications. */
const PING = Buffer.from(msgpackCodec.encode({ t: "ping" }));
const PONG = msgpackCodec.encode({ t: "pong" });

interface WireMessage {
  t?: string;
  id?: number;
  error?: { code: number; message: string };
}

/**
 * dashwire protocol v1 over the MessagePack codec (issue 19): the WebSocket asks for
 * `?codec=msgpack` and every frame both ways is binary msgpack. Publishes parse the payload's
 * JSON once and send it as msgpack; publications are found by their tags (msgpack fixstr, see
 * tag.ts) without decoding; frames without tags are decoded and their control messages handled.
 * No resume (the scenarios that resume run JSON).
 */
export function createMsgpackDashwireProtocol(options: Partial<DashwireProtocolOptions> = {}): WireProtocol {
  const o = { ...dashwireProtocolDefaults, ...options };
  const handle = (frame: Buffer, client: ProtocolClient): { problem?: string; subscribed: boolean } => {
    let messages: WireMessage[];
    try {
      messages = msgpackCodec.decode(frame) as WireMessage[];
    } catch {
      return { problem: `undecodable frame of ${frame.length} bytes`, subscribed: false };
    }
    let problem: string | undefined;
    let subscribed = false;
    for (const m of messages) {
      if (m.t === "ping") client.reply(PONG);
      else if (m.t === "connected") {
        if (client.role.subscribes) client.reply(msgpackCodec.encode({ t: "sub", id: SUB_ID, topic: o.topic }));
        else subscribed = true;
      } else if (m.t === "ack" && m.id === SUB_ID) {
        if (m.error) throw new Error(`subscribe refused: ${m.error.code} ${m.error.message}`);
        subscribed = true;
      } else if (m.t === "err" || m.t === "disconnect" || m.t === "gap") {
        problem = `${m.t}: ${JSON.stringify(m).slice(0, 200)}`;
      }
    }
    return problem === undefined ? { subscribed } : { problem, subscribed };
  };
  return {
    name: "dashwire",
    endpoint: (transport) => (transport === "websocket" ? `${o.path}?codec=msgpack` : undefined),
    opening: (client) => {
      if (client.role.resume) throw new Error("resume clients are not implemented over msgpack (use --codec json)");
      return [msgpackCodec.encode({ t: "connect", v: 1 })];
    },
    step(frame, client) {
      const { problem, subscribed } = handle(frame, client);
      if (problem !== undefined) throw new Error(problem);
      return subscribed;
    },
    publishFrame(payload) {
      return msgpackCodec.encode({ t: "pub", topic: o.topic, data: JSON.parse(payload) as unknown });
    },
    control(frame, hadTags, client) {
      if (!hadTags) return handle(frame, client).problem;
      // A ping batched with publications: a native search finds it, as in the JSON protocol.
      if (frame.indexOf(PING) !== -1) client.reply(PONG);
      return undefined;
    },
  };
}
