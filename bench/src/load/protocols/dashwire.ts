import { DASHBOARD_TOPIC, type ProtocolClient, type WireProtocol } from "./wire-protocol.js";

const PING = Buffer.from('{"t":"ping"');
const GAP = Buffer.from('{"t":"gap"');
const ACK = Buffer.from('{"t":"ack"');
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OFFSET = Buffer.from('"o":');
const ZERO = 0x30;
const NINE = 0x39;
/** Id of the first subscribe; resumes after a gap use the next one. */
const SUB_ID = 1;
const RESUME_ID = 2;

interface WireMessage {
  t?: string;
  id?: number;
  data?: { epoch?: string; offset?: number; recovered?: boolean };
  error?: { code: number; message: string };
  code?: number;
  message?: string;
  reason?: string;
  topic?: string;
  epoch?: string;
  from?: number;
  to?: number;
}

/** Options of the dashwire protocol client. */
export interface DashwireProtocolOptions {
  /** Path of the dashwire WebSocket endpoint (the HTTP transports live under it). */
  path: string;
  /** Topic the dashboard clients publish and subscribe to. */
  topic: string;
}

/** Defaults of `DashwireProtocolOptions`. */
export const dashwireProtocolDefaults: DashwireProtocolOptions = { path: "/dashwire", topic: DASHBOARD_TOPIC };

/**
 * dashwire protocol v1 (packages/protocol): `connect` → `connected`, `sub` (id 1) → `ack`;
 * publishes `{t:"pub",topic,data}` without an id (no ack wanted); publications arrive as
 * `{t:"msg",c,e,o,d}`, possibly many in one JSON-array frame. The server's `ping` may ride in a
 * batch, so frames with publications are searched for it too. Resume clients (`role.resume`)
 * also keep the last offset seen, answer a `gap` with `sub` + `since` (id 2), and resubscribe
 * with `since` after a reconnect.
 */
export function createDashwireProtocol(options: Partial<DashwireProtocolOptions> = {}): WireProtocol {
  const o = { ...dashwireProtocolDefaults, ...options };
  const topic = JSON.stringify(o.topic);
  const pubPrefix = `{"t":"pub","topic":${topic},"data":`;
  const subscribe = (client: ProtocolClient, id: number) => {
    const since = client.role.resume ? client.position : undefined;
    if (since !== undefined) client.counters.resumes++;
    client.reply(
      since === undefined
        ? `{"t":"sub","id":${id},"topic":${topic}}`
        : `{"t":"sub","id":${id},"topic":${topic},"since":${JSON.stringify(since)}}`,
    );
  };
  /** Handles the control messages of a decoded frame; returns a problem description. */
  const handle = (messages: WireMessage[], client: ProtocolClient): { problem?: string; subscribed: boolean } => {
    let problem: string | undefined;
    let subscribed = false;
    for (const m of messages) {
      if (m.t === "ping") client.reply('{"t":"pong"}');
      else if (m.t === "connected") {
        if (client.role.subscribes) subscribe(client, SUB_ID);
        else subscribed = true;
      } else if (m.t === "ack" && (m.id === SUB_ID || m.id === RESUME_ID)) {
        if (m.error) throw new Error(`subscribe refused: ${m.error.code} ${m.error.message}`);
        subscribed = m.id === SUB_ID;
        if (client.role.resume) noteSubscribed(client, m.data ?? {});
      } else if (m.t === "gap" && client.role.resume) {
        client.counters.gaps++;
        client.counters.gapLargest = Math.max(client.counters.gapLargest, (m.to ?? 0) - (m.from ?? 0) + 1);
        // Everything before `from` was delivered ahead of the notice: resume right after it.
        client.position = { epoch: m.epoch ?? "", offset: (m.from ?? 1) - 1 };
        subscribe(client, RESUME_ID);
      } else if (m.t === "err" || m.t === "disconnect" || m.t === "gap") {
        problem = `${m.t}: ${JSON.stringify(m).slice(0, 200)}`;
      }
    }
    return problem === undefined ? { subscribed } : { problem, subscribed };
  };
  return {
    name: "dashwire",
    // The HTTP links add their routes (`/sse`, `/poll`, `/send`) under the same path.
    endpoint: () => o.path,
    opening: () => ['{"t":"connect","v":1}'],
    step(frame, client) {
      const { problem, subscribed } = handle(decode(frame.toString("utf8")), client);
      if (problem !== undefined) throw new Error(problem);
      return subscribed;
    },
    publishFrame(payload) {
      return `${pubPrefix}${payload}}`;
    },
    control(frame, hadTags, client) {
      const resume = client.role.resume;
      if (!hadTags) return handle(decode(frame.toString("utf8")), client).problem;
      if (resume) trackOffset(frame, client);
      // Control messages batched with publications: cheap native searches find them, and only
      // they are parsed (a resumed client's frames run to megabytes of replay).
      const found: WireMessage[] = [];
      for (const marker of resume ? CONTROL_MARKERS : PING_ONLY) {
        for (let at = frame.indexOf(marker); at !== -1; at = frame.indexOf(marker, at + marker.length)) {
          const message = objectAt(frame, at);
          if (message !== undefined) found.push(message);
        }
      }
      return found.length === 0 ? undefined : handle(found, client).problem;
    },
  };
}

/** A subscribe (first or resume) was answered: where the client now stands. */
function noteSubscribed(client: ProtocolClient, data: { epoch?: string; offset?: number; recovered?: boolean }): void {
  const at = { epoch: data.epoch ?? "", offset: data.offset ?? 0 };
  const had = client.position;
  if (had !== undefined) {
    if (data.recovered) client.counters.recovered++;
    else client.counters.notRecovered++;
  }
  // Recovered: the replay brings the client from its position up to `at`, offsets then count
  // it forward. Not recovered (or a first subscribe): it starts at `at`.
  if (had === undefined || !data.recovered || had.epoch !== at.epoch) client.position = at;
}

/** Moves the client's position to the last offset of a publication frame. */
function trackOffset(frame: Buffer, client: ProtocolClient): void {
  const i = frame.lastIndexOf(OFFSET);
  if (i < 0) return;
  let offset = 0;
  let c = 0;
  for (let j = i + OFFSET.length; j < frame.length && (c = frame[j] as number) >= ZERO && c <= NINE; j++)
    offset = offset * 10 + (c - ZERO);
  const p = client.position;
  if (p !== undefined && offset > p.offset) p.offset = offset;
}

const PING_ONLY = [PING];
// Resume clients: a gap must be answered after the publications before it were counted, and
// a resume's ack after the gap that asked for it: frames hold them in that order.
const CONTROL_MARKERS = [PING, GAP, ACK];

/** Parses the JSON object starting at `start` (a control message inside a batch). */
function objectAt(frame: Buffer, start: number): WireMessage | undefined {
  let depth = 0;
  let inString = false;
  for (let i = start; i < frame.length; i++) {
    const c = frame[i] as number;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE) depth++;
    else if (c === CLOSE_BRACE && --depth === 0) {
      try {
        return JSON.parse(frame.toString("utf8", start, i + 1)) as WireMessage;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function decode(text: string): WireMessage[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [{ t: "err", message: `undecodable frame: ${text.slice(0, 120)}` }];
  }
  return (Array.isArray(value) ? value : [value]) as WireMessage[];
}
