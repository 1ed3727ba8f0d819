/**
 * The primary of an in-machine cluster: forks N workers that share the listening port
 * (`node:cluster`), serves them a `ClusterBrokerHost` when they have no external broker, restarts a
 * worker that dies, and on shutdown tells every worker to close and waits for them.
 */
import cluster, { type Worker } from "node:cluster";
import { EventEmitter } from "node:events";
import { type BackoffOptions, backoff } from "@dashwire/protocol";
import type { ClusterBrokerHost } from "./cluster-broker-host.js";
import { CLUSTER_TAG, workerPort } from "./cluster-port.js";

/** Tag of the supervisor's own messages to workers (beside the broker's). */
export const CONTROL_TAG = "dw-control";

/** The message a worker gets when it must close (clients get 1001) and exit 0. */
export const SHUTDOWN_MESSAGE = { tag: CONTROL_TAG, k: "shutdown" } as const;
/**
 * What a worker sends once it listens for `SHUTDOWN_MESSAGE` (see `onShutdownRequest`). A
 * cluster worker drops IPC messages that arrive before its `message` listener exists, and a
 * worker still loading its modules has none: a shutdown sent then is lost, the worker runs on,
 * and the primary kills it at the timeout (exit code 1). So the primary sends the shutdown again
 * when this arrives.
 */
export const LISTENING_FOR_SHUTDOWN = { tag: CONTROL_TAG, k: "shutdown-listener" } as const;

/** Options of `ClusterSupervisor`. */
export interface ClusterSupervisorOptions {
  /** Worker processes. */
  workers: number;
  /** Script each worker runs (default: this process's script). */
  exec?: string;
  /** Arguments of the worker script (default: this process's). */
  args?: string[];
  /** Node flags of the workers (default: this process's). */
  execArgv?: string[];
  /** Extra environment of every worker. */
  env?: Record<string, string>;
  /** Broker host the workers talk to; omit when they use Redis or NATS directly. */
  host?: ClusterBrokerHost;
  /** Restart delays of a worker that keeps dying young (full jitter, growing per death). */
  restart: BackoffOptions;
  /** A worker that lived this long resets its restart delay, ms. */
  stableAfterMs: number;
  /** Workers still running this long after the shutdown message are killed, ms. */
  shutdownTimeoutMs: number;
}

/** Defaults of `ClusterSupervisorOptions`. */
export const clusterSupervisorDefaults: ClusterSupervisorOptions = {
  workers: 1,
  restart: { minDelayMs: 100, maxDelayMs: 5000, factor: 2 },
  stableAfterMs: 10_000,
  shutdownTimeoutMs: 10_000,
};

/** Events of `ClusterSupervisor`. */
export interface ClusterSupervisorEvents {
  /** A worker process started (first time or restarted) in slot `index`. */
  fork: [index: number, worker: Worker];
  /** A worker exited; it is restarted unless the cluster is shutting down. */
  exit: [index: number, worker: Worker, code: number | null, signal: string | null];
  /** A message from a worker that is not the broker's. */
  message: [index: number, worker: Worker, message: unknown];
}

interface Slot {
  worker: Worker | undefined;
  startedAt: number;
  /** Deaths in a row of workers that died young (the backoff's attempt). */
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

/** Forks, restarts and stops the workers of one machine. */
export class ClusterSupervisor extends EventEmitter<ClusterSupervisorEvents> {
  readonly options: ClusterSupervisorOptions;
  private readonly slots: Slot[] = [];
  private stopping: Promise<boolean> | undefined;

  constructor(options: Partial<ClusterSupervisorOptions> & { workers: number }) {
    super();
    this.options = { ...clusterSupervisorDefaults, ...options };
    if (!Number.isInteger(this.options.workers) || this.options.workers < 1)
      throw new RangeError(`workers must be a positive integer, got ${this.options.workers}`);
  }

  /** Live worker processes by slot (undefined while a slot waits for its restart). */
  get workers(): (Worker | undefined)[] {
    return this.slots.map((s) => s.worker);
  }

  /** True once `shutdown` was called. */
  get shuttingDown(): boolean {
    return this.stopping !== undefined;
  }

  /** Forks every worker. Call once, in the primary. */
  start(): void {
    if (!cluster.isPrimary) throw new Error("ClusterSupervisor runs in the primary process only");
    const { exec, args, execArgv } = this.options;
    const settings: Parameters<typeof cluster.setupPrimary>[0] = {};
    if (exec !== undefined) settings.exec = exec;
    if (args !== undefined) settings.args = args;
    if (execArgv !== undefined) settings.execArgv = execArgv;
    cluster.setupPrimary(settings);
    for (let i = 0; i < this.options.workers; i++) {
      this.slots.push({ worker: undefined, startedAt: 0, failures: 0, timer: undefined });
      this.fork(i);
    }
  }

  /** Sends a message to every live worker. */
  broadcast(message: object): void {
    for (const slot of this.slots) if (slot.worker !== undefined) this.send(slot.worker, message);
  }

  /**
   * Sends a message to one worker; false when its channel is already closed. A worker may have
   * died before this process noticed (`isConnected()` still true): the write then fails with
   * EPIPE, reported to the callback here instead of as an `error` event that would crash the
   * primary. Nothing is lost: the worker's `exit` follows and is handled there.
   */
  send(worker: Worker, message: object): boolean {
    if (!worker.isConnected()) return false;
    worker.send(message, undefined, ignoreSendError);
    return true;
  }

  /**
   * Tells every worker to shut down and waits for all of them (killing those past the timeout).
   * Resolves true when every worker exited with code 0.
   */
  shutdown(): Promise<boolean> {
    this.stopping ??= (async () => {
      const exits: Promise<boolean>[] = [];
      for (const slot of this.slots) {
        clearTimeout(slot.timer);
        const w = slot.worker;
        if (w === undefined || w.isDead()) continue;
        exits.push(
          new Promise<boolean>((resolve) => {
            w.once("exit", (code) => resolve(code === 0));
            // A worker not yet listening gets it again when it says it is (see `fork`).
            if (!this.send(w, SHUTDOWN_MESSAGE)) w.kill("SIGTERM");
          }),
        );
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => {
          for (const slot of this.slots)
            if (slot.worker !== undefined && !slot.worker.isDead()) slot.worker.kill("SIGKILL");
          resolve(false);
        }, this.options.shutdownTimeoutMs);
      });
      const results = await Promise.race([Promise.all(exits), timeout]);
      clearTimeout(timer);
      await this.options.host?.close();
      return Array.isArray(results) && results.every(Boolean);
    })();
    return this.stopping;
  }

  private fork(index: number): void {
    const slot = this.slots[index] as Slot;
    slot.timer = undefined;
    const env = { ...this.options.env, DASHWIRE_WORKER_INDEX: String(index) };
    const worker = cluster.fork(env);
    // Code that sends to this worker without a callback gets a failed send as an `error` event;
    // unhandled, it would crash the primary. Other errors (the fork itself failed) stay loud.
    worker.on("error", (err: NodeJS.ErrnoException) => {
      if (!SEND_ERRORS.has(err.code ?? "")) throw err;
    });
    slot.worker = worker;
    slot.startedAt = Date.now();
    if (this.options.host !== undefined) this.options.host.attach(workerPort(worker));
    worker.on("message", (message: unknown) => {
      if (isBrokerMessage(message)) return;
      if (isControl(message, LISTENING_FOR_SHUTDOWN.k)) {
        if (this.stopping !== undefined) this.send(worker, SHUTDOWN_MESSAGE);
        return;
      }
      this.emit("message", index, worker, message);
    });
    worker.once("exit", (code, signal) => {
      if (slot.worker === worker) slot.worker = undefined;
      this.emit("exit", index, worker, code, signal);
      if (this.stopping !== undefined) return;
      // Crash loops back off; a worker that ran for a while restarts at once.
      let delay = 0;
      if (Date.now() - slot.startedAt >= this.options.stableAfterMs) slot.failures = 0;
      else delay = backoff(slot.failures++, this.options.restart);
      slot.timer = setTimeout(() => this.fork(index), delay);
    });
    this.emit("fork", index, worker);
  }
}

/** How a send to a worker that is dying or dead fails; its `exit` event deals with that. */
const SEND_ERRORS = new Set(["EPIPE", "ECONNRESET", "ERR_IPC_CHANNEL_CLOSED"]);

/** A failed send to a worker: it is dying or dead, and its `exit` event deals with that. */
function ignoreSendError(): void {}

function isControl(message: unknown, k: string): boolean {
  return (
    typeof message === "object" &&
    message !== null &&
    (message as { tag?: unknown }).tag === CONTROL_TAG &&
    (message as { k?: unknown }).k === k
  );
}

function isBrokerMessage(message: unknown): boolean {
  return typeof message === "object" && message !== null && (message as { tag?: unknown }).tag === CLUSTER_TAG;
}

/**
 * In a worker: calls `handler` once when the primary asks for a shutdown, or when the primary
 * is gone (the IPC channel closed), and tells the primary it now listens (a shutdown asked
 * earlier is sent again). Call it as early as the worker can. Returns a function that stops
 * listening.
 */
export function onShutdownRequest(handler: (reason: "primary" | "orphaned") => void): () => void {
  let done = false;
  const fire = (reason: "primary" | "orphaned") => {
    if (done) return;
    done = true;
    handler(reason);
  };
  const message = (m: unknown) => {
    if (isControl(m, SHUTDOWN_MESSAGE.k)) fire("primary");
  };
  const disconnect = () => fire("orphaned");
  process.on("message", message);
  process.on("disconnect", disconnect);
  // With a callback, a primary already gone fails the send quietly (`disconnect` follows).
  process.send?.(LISTENING_FOR_SHUTDOWN, undefined, {}, ignoreSendError);
  return () => {
    process.off("message", message);
    process.off("disconnect", disconnect);
  };
}
