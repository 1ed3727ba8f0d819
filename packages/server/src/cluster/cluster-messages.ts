/**
 * What a worker's `ClusterBroker` and the primary's `ClusterBrokerHost` say to each other. Each
 * IPC message is a batch `{ tag, m: [...] }` of the items one side queued in one event-loop turn.
 */
import type { BrokerStatus, HistoryQuery, HistoryResult, Publication, PublishInput } from "../broker/broker.js";
import { CLUSTER_TAG } from "./cluster-port.js";

/** A request from a worker; `id` pairs it with its reply. */
export type WorkerRequest =
  | { k: "hello"; id: number }
  | { k: "pub"; id: number; input: PublishInput }
  | { k: "send"; id: number; topic: string; data: string }
  | { k: "sub"; id: number; topic: string }
  | { k: "unsub"; id: number; topic: string }
  | { k: "hist"; id: number; topic: string; query: HistoryQuery };

/** What the host sends a worker: replies, deliveries, and link status. */
export type HostMessage =
  | { k: "ok"; id: number; pub?: Publication; hist?: HistoryResult }
  | { k: "err"; id: number; message: string }
  | { k: "pub"; p: Publication }
  | { k: "msg"; topic: string; data: string }
  | { k: "status"; status: BrokerStatus };

/** One IPC message: every item queued in one turn. */
export interface ClusterBatch<T> {
  tag: typeof CLUSTER_TAG;
  m: T[];
}

/** The items of a dashwire cluster batch, or undefined for any other message on the channel. */
export function batchItems(message: unknown): unknown[] | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const { tag, m } = message as { tag?: unknown; m?: unknown };
  return tag === CLUSTER_TAG && Array.isArray(m) ? m : undefined;
}

/**
 * Queues items and sends them as one batch per event-loop turn (`setImmediate`), so a burst of
 * publications costs one IPC message. `onSent(n)` reports how many items left the process.
 */
export class BatchQueue<T> {
  private items: T[] = [];
  private scheduled = false;

  constructor(
    private readonly send: (batch: ClusterBatch<T>, sent: () => void) => void,
    private readonly onSent: (count: number) => void = () => {},
  ) {}

  /** Items queued and not yet handed to the channel. */
  get length(): number {
    return this.items.length;
  }

  /** Queues one item; the batch leaves at the end of this turn. */
  push(item: T): void {
    this.items.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  /** Sends what is queued now. */
  readonly flush = (): void => {
    this.scheduled = false;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.send({ tag: CLUSTER_TAG, m: items }, () => this.onSent(items.length));
  };
}
