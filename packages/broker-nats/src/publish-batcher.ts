import { ErrorCode } from "@dashwire/protocol";
import { DashwireError, type Publication, type PublishInput } from "@dashwire/server";

/** Limits of the per-topic publish queue. */
export interface BatcherLimits {
  /** Publishes waiting per topic; past it they reject at once. */
  maxPendingPerTopic: number;
  /** Publications per stored message. */
  maxBatch: number;
  /** Data bytes per stored message (a single larger publication still goes alone). */
  maxBatchBytes: number;
}

/** What a flush returns: the stored publications, and a promise for the writes that follow. */
export interface Flushed {
  pubs: Publication[];
  /** Settles when follow-up writes (latest values) are done; the next batch does not wait for it. */
  after: Promise<unknown>;
}

interface Pending {
  input: PublishInput;
  resolve(pub: Publication): void;
  reject(err: unknown): void;
}

/**
 * Group commit per topic: one flush in flight per topic on this node (each needs the stream
 * sequence the one before got); publishes arriving meanwhile wait and go together in the next
 * flush. One at light load, large batches under heavy load. Publishes resolve in order.
 */
export class PublishBatcher {
  private readonly queues = new Map<string, Pending[]>();

  constructor(
    private readonly limits: BatcherLimits,
    private readonly flush: (topic: string, inputs: PublishInput[]) => Promise<Flushed>,
  ) {}

  /** Topics with publishes waiting or in flight. */
  get topics(): number {
    return this.queues.size;
  }

  publish(input: PublishInput): Promise<Publication> {
    const queue = this.queues.get(input.topic);
    if (queue !== undefined && queue.length >= this.limits.maxPendingPerTopic)
      return Promise.reject(
        new DashwireError(
          ErrorCode.BrokerUnavailable,
          `nats broker: more than ${this.limits.maxPendingPerTopic} publishes waiting on ${input.topic}`,
        ),
      );
    return new Promise((resolve, reject) => {
      const item = { input, resolve, reject };
      if (queue !== undefined) queue.push(item);
      else {
        const fresh = [item];
        this.queues.set(input.topic, fresh);
        this.drain(input.topic, fresh);
      }
    });
  }

  private async drain(topic: string, queue: Pending[]): Promise<void> {
    while (queue.length > 0) {
      let n = 0;
      let bytes = 0;
      while (n < queue.length && n < this.limits.maxBatch) {
        bytes += (queue[n] as Pending).input.data.length;
        if (n > 0 && bytes > this.limits.maxBatchBytes) break;
        n++;
      }
      const batch = queue.splice(0, n);
      try {
        const { pubs, after } = await this.flush(
          topic,
          batch.map((p) => p.input),
        );
        const done = () => {
          for (let i = 0; i < batch.length; i++) (batch[i] as Pending).resolve(pubs[i] as Publication);
        };
        // The publications are stored and delivered either way; a failed latest-value write
        // only leaves a snapshot behind until the key is published again (docs/brokers.md).
        after.then(done, done);
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.queues.delete(topic);
  }
}
