/**
 * The message channel between a worker's `ClusterBroker` and the primary's `ClusterBrokerHost`,
 * kept behind a four-member interface so the same code runs over `node:cluster` IPC and, in
 * tests, over in-process `MessageChannel` pairs.
 */
import type { Worker as ClusterWorker } from "node:cluster";
import { MessageChannel, type MessagePort } from "node:worker_threads";

/** Tag of every dashwire cluster message, so the IPC channel can carry the app's messages too. */
export const CLUSTER_TAG = "dw-broker";

/** One end of a message channel. Messages are plain JSON-compatible values. */
export interface ClusterPort {
  /** Sends a message; `sent` runs once it has left this process (flow control). */
  send(message: unknown, sent: () => void): void;
  /** Registers the receiver of every incoming message (one receiver per port). */
  onMessage(listener: (message: unknown) => void): void;
  /** Registers a listener for the other end going away (process exit, channel closed). */
  onClose(listener: () => void): void;
  /** Detaches from the channel (the underlying IPC stays open for other users). */
  close(): void;
}

/** The worker's end: this process's IPC channel to its primary (`process.send`). */
export function processPort(proc: NodeJS.Process = process): ClusterPort {
  if (typeof proc.send !== "function") throw new Error("processPort: this process has no IPC channel (not a worker)");
  let onMessage: ((message: unknown) => void) | undefined;
  let onClose: (() => void) | undefined;
  const message = (m: unknown) => onMessage?.(m);
  const disconnect = () => onClose?.();
  proc.on("message", message);
  proc.on("disconnect", disconnect);
  return {
    send(m, sent) {
      if (!proc.connected) return;
      // The callback also reports errors (channel closed); either way the message has left.
      proc.send?.(m, undefined, {}, () => sent());
    },
    onMessage(listener) {
      onMessage = listener;
    },
    onClose(listener) {
      onClose = listener;
    },
    close() {
      proc.off("message", message);
      proc.off("disconnect", disconnect);
    },
  };
}

/** The primary's end of one worker's IPC channel. */
export function workerPort(worker: ClusterWorker): ClusterPort {
  let onMessage: ((message: unknown) => void) | undefined;
  let onClose: (() => void) | undefined;
  let closed = false;
  const message = (m: unknown) => onMessage?.(m);
  const gone = () => {
    if (closed) return;
    closed = true;
    onClose?.();
  };
  worker.on("message", message);
  worker.on("disconnect", gone);
  worker.on("exit", gone);
  return {
    send(m, sent) {
      if (closed || !worker.isConnected()) return;
      worker.send(m as object, undefined, () => sent());
    },
    onMessage(listener) {
      onMessage = listener;
    },
    onClose(listener) {
      onClose = listener;
    },
    close() {
      worker.off("message", message);
      worker.off("disconnect", gone);
      worker.off("exit", gone);
    },
  };
}

/** Wraps one end of a `MessageChannel`; closing either end closes both. */
export function messagePort(port: MessagePort): ClusterPort {
  let onClose: (() => void) | undefined;
  port.on("close", () => onClose?.());
  return {
    send(m, sent) {
      port.postMessage(m);
      queueMicrotask(sent);
    },
    onMessage(listener) {
      port.on("message", listener);
    },
    onClose(listener) {
      onClose = listener;
    },
    close() {
      port.close();
    },
  };
}

/** Two connected in-process ports (tests): `[workerSide, hostSide]`. */
export function messagePortPair(): [ClusterPort, ClusterPort] {
  const { port1, port2 } = new MessageChannel();
  return [messagePort(port1), messagePort(port2)];
}
