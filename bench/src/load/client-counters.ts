/** Counters one load generator shares among its clients (a stalled client gets its own). */
export interface ClientCounters {
  /** Error frames, socket errors and refused handshakes. */
  errors: number;
  /** Connections the server closed (or lost) during the run. */
  disconnects: number;
  /** Frames received by all clients. */
  frames: number;
  /** Bytes of frames received by all clients. */
  bytes: number;
  /** Publishes skipped because the link was closed or its send buffer over the limit. */
  sendSkipped: number;
  /** dashwire: `gap` notices received (stream subscription overflowed on the server). */
  gaps: number;
  /**
   * dashwire: the largest range a gap notice announced (offsets). Not summed: a client catching
   * up in queue-sized steps gets one notice per step, each naming everything still ahead.
   */
  gapLargest: number;
  /** dashwire: `sub` with `since` sent (after a gap or a reconnect). */
  resumes: number;
  /** dashwire: resumes answered `recovered: true` (every missed publication follows). */
  recovered: number;
  /** dashwire: resumes answered `recovered: false` (too far back: fresh start). */
  notRecovered: number;
  /** Reconnects attempted (reconnect storm) and those that failed. */
  reconnects: number;
  reconnectFailed: number;
  /** A few error descriptions, for the report. */
  samples: string[];
}

/** Creates zeroed counters. */
export function createClientCounters(): ClientCounters {
  return {
    errors: 0,
    disconnects: 0,
    frames: 0,
    bytes: 0,
    sendSkipped: 0,
    gaps: 0,
    gapLargest: 0,
    resumes: 0,
    recovered: 0,
    notRecovered: 0,
    reconnects: 0,
    reconnectFailed: 0,
    samples: [],
  };
}

/** Error descriptions kept per run (the rest are only counted). */
export const MAX_ERROR_SAMPLES = 10;

/** Records one error into the counters, keeping a bounded number of descriptions. */
export function countError(counters: ClientCounters, description: string): void {
  counters.errors++;
  if (counters.samples.length < MAX_ERROR_SAMPLES) counters.samples.push(description);
}
