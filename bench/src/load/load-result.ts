import type { DeliverySummary } from "./delivery-tracker.js";
import type { StormResult } from "./disruption.js";
import type { LatencySummary } from "./latency.js";

/** Phases of a run, in order. */
export type LoadPhase = "connecting" | "warmup" | "measure" | "drain" | "hold" | "done";

/** One second of a run, as seen by the load generator. */
export interface LoadTick {
  /** Seconds since the load started (negative while connecting). */
  t: number;
  phase: LoadPhase;
  /** Clients connected at the end of the second. */
  connected: number;
  sent: number;
  deliveries: number;
  p50: number;
  p99: number;
  max: number;
  /** Load generator CPU, share of one core. */
  cpu: number;
  /** Share of the second the generator waited for its core (other processes on it). */
  wait: number;
}

/** Listeners of a run. */
export interface LoadEvents {
  /** A phase begins (wall clock ms). */
  phase?(phase: LoadPhase, atMs: number): void;
  /** Once a second. */
  tick?(tick: LoadTick): void;
}

/** Resume activity of dashwire clients (gap notices and what the resumes got). */
export interface ResumeCounts {
  gaps: number;
  gapLargest: number;
  resumes: number;
  recovered: number;
  notRecovered: number;
}

/** What the stalled client of a slow-consumer run got, counted apart from the others. */
export interface StallerResult {
  /** Whether it really stalled (false: the baseline, where it read normally). */
  stalled: boolean;
  stallS: number;
  delivery: DeliverySummary;
  deliveredPct: number;
  resume: ResumeCounts;
  frames: number;
  /** Publications scheduled before it read again that arrived after (what was kept for it or replayed). */
  heldOver: number;
  /** Bytes it received after it read again (backlog and live traffic). */
  bytesAfterResume: number;
  disconnects: number;
  errors: string[];
}

/** Everything a run measured on the client side. */
export interface LoadResult {
  connections: number;
  connected: number;
  connectFailed: number;
  /** Seconds all connections took to open. */
  connectS: number;
  /** Publishes sent over the whole run (warm-up and drain included). */
  sent: number;
  delivery: DeliverySummary;
  /** delivered / expected, in %. */
  deliveredPct: number;
  /** In-window deliveries per second of window (messages scheduled in the window that arrived). */
  deliveriesPerSec: number;
  /** Deliveries of any message received per second while the window ran (what the server pushed out). */
  receivedPerSec: number;
  /** How late the generator sent against its schedule (counted in latency anyway). */
  sendLag: LatencySummary;
  /** Latency sampling stride (1 = every delivery). */
  sampleEvery: number;
  errors: number;
  disconnects: number;
  sendSkipped: number;
  frames: number;
  /** Payload bytes of every frame all clients received, whole run (bytes on the wire, less framing). */
  bytes: number;
  errorSamples: string[];
  /** Resume activity of the (non-stalled) subscribers. */
  resume: ResumeCounts;
  /** Slow-consumer runs: the stalled client, counted apart (not in `delivery`). */
  staller?: StallerResult;
  /** Reconnect-storm runs. */
  storm?: StormResult;
  /** Load generator CPU over the window, share of one core. */
  clientCpu: number;
  /** Share of the window the generator waited for its core (other processes on it). */
  clientWait: number;
  /**
   * True when the load generator's core was saturated (its CPU plus its wait for the core above
   * 90 %): its numbers are a floor, not the server's.
   */
  clientBound: boolean;
  /** Wall-clock ms of the window's start and end (for matching server samples). */
  windowStartMs: number;
  windowEndMs: number;
  timeline: LoadTick[];
}
