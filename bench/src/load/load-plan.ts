import type { Disruption } from "./disruption.js";
import type { TransportName } from "./links/link.js";
import type { ProtocolName } from "./protocols/index.js";
import { DASHBOARD_TOPIC } from "./protocols/wire-protocol.js";

/** What one load generator run does against one server (or several nodes of one). */
export interface LoadPlan {
  /** Base URL of the server, e.g. `ws://127.0.0.1:8080` (the protocol adds its path). */
  url: string;
  /** Several nodes: client i connects to `urls[i % urls.length]` (empty: everyone uses `url`). */
  urls: string[];
  /** Protocol of the target. */
  protocol: ProtocolName;
  /** Endpoint path when the target serves it elsewhere than the protocol's default. */
  path?: string;
  /** Transport the clients use (the target's protocol must offer it). */
  /** dashwire's wire codec: msgpack asks for `?codec=msgpack` and sends binary frames (issue 19). */
  codec: "json" | "msgpack";
  transport: TransportName;
  /** dashwire: the topic everybody publishes to and subscribes to. */
  topic: string;
  /** Clients that publish. */
  publishers: number;
  /** Clients that subscribe. */
  subscribers: number;
  /**
   * All-to-all: the publishers are the first `publishers` subscribers (one connection each).
   * Otherwise publishers are extra connections that do not subscribe (fan-out).
   */
  publishersSubscribe: boolean;
  /** Publications per second per publisher. */
  ratePerPublisher: number;
  /** Size the JSON payload is padded to, bytes (0: the small metric update, ~90 bytes). */
  payloadBytes: number;
  /** Seconds of load before the measurement window (not counted). */
  warmupS: number;
  /** Seconds of the measurement window. */
  durationS: number;
  /** Most seconds to wait after the window for its last deliveries (load goes on meanwhile). */
  drainS: number;
  /** Connections being opened at once. */
  connectConcurrency: number;
  /** Time for one connection to open and finish its handshake. */
  connectTimeoutMs: number;
  /** Latency is recorded for one delivery in this many; 0 picks it from the expected rate. */
  sampleEvery: number;
  /** Deliveries per second the latency sample aims at when `sampleEvery` is 0. */
  latencySamplesPerSecond: number;
  /**
   * Count every (sender, receiver, sequence) exactly, so replays that overlap live deliveries
   * count once (reconnect storm, slow consumer). Off for the big runs: it costs a bit per cell.
   */
  exact: boolean;
  /** dashwire subscribers keep their position, answer gaps and resume with `since`. */
  resume: boolean;
  /** Something that happens to the subscribers during the window (stall, reconnect storm). */
  disruption?: Disruption;
  /**
   * Source addresses for connections past the first `connectionsPerAddress` (ports run out near
   * 28,000 per address). The first block binds no address: a socket bound before connect()
   * needs a port free for *every* destination, so TIME_WAIT sockets of an earlier run (another
   * server port) would exhaust the range; an unbound connect only needs a free 4-tuple.
   */
  localAddresses: string[];
  /** Connections per source address before moving to the next one. */
  connectionsPerAddress: number;
}

/** Defaults of `LoadPlan`: all-to-all, 100 users at 1 update/s, 5 s warm-up, 20 s window. */
export const loadPlanDefaults: LoadPlan = {
  url: "ws://127.0.0.1:8080",
  urls: [],
  protocol: "json-ws",
  transport: "websocket",
  codec: "json",
  topic: DASHBOARD_TOPIC,
  publishers: 100,
  subscribers: 100,
  publishersSubscribe: true,
  ratePerPublisher: 1,
  payloadBytes: 0,
  warmupS: 5,
  durationS: 20,
  drainS: 5,
  connectConcurrency: 200,
  connectTimeoutMs: 15_000,
  sampleEvery: 0,
  latencySamplesPerSecond: 200_000,
  exact: false,
  resume: false,
  localAddresses: ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"],
  connectionsPerAddress: 25_000,
};

/** Number of connections a plan opens. */
export function connectionCount(plan: LoadPlan): number {
  return plan.publishersSubscribe ? Math.max(plan.publishers, plan.subscribers) : plan.publishers + plan.subscribers;
}

/** Deliveries per second the plan asks for. */
export function expectedRate(plan: LoadPlan): number {
  return plan.publishers * plan.ratePerPublisher * plan.subscribers;
}

/** The latency sampling stride: every delivery up to the target sample rate, then 1 in k. */
export function samplingStride(plan: LoadPlan): number {
  if (plan.sampleEvery > 0) return Math.floor(plan.sampleEvery);
  return Math.max(1, Math.ceil(expectedRate(plan) / plan.latencySamplesPerSecond));
}

/** Seconds of slack past the planned end for a late run (slow recovery) before seqs stop counting. */
const EXACT_SLACK_S = 120;

/** Sequence numbers per sender the exact ledger must hold for this plan (0: not exact). */
export function exactSeqsFor(plan: LoadPlan): number {
  if (!plan.exact) return 0;
  return Math.ceil(plan.ratePerPublisher * (plan.warmupS + plan.durationS + plan.drainS + EXACT_SLACK_S)) + 16;
}
