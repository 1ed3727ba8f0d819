import type { LiveClient, LiveSubscription } from "./live-client.js";

/** What a `TopicRead` does with its topic and its reads. */
export interface TopicReadHandlers<T> {
  /** Reads the state from the API (aborted when a newer read starts or the reader stops). */
  load(signal: AbortSignal): Promise<T>;
  /** A read answered (the newest one asked). */
  loaded(value: T): void;
  /** A read failed, or the subscription was refused. */
  failed(message: string): void;
  /** A publication on the topic. */
  event(data: unknown): void;
}

/**
 * State a page reads from the API and follows on a live topic (alert states, annotations): it
 * subscribes first, and reads at start and again at every confirmation of the subscription (the
 * first, a reconnect, a gap), so a change published between a read and the subscription is never
 * missed. Only the newest read's answer is handed over; none after `stop`.
 */
export class TopicRead<T> {
  private sub: LiveSubscription | null = null;
  private reading: AbortController | null = null;
  private stopped = false;

  constructor(
    private readonly client: LiveClient,
    private readonly topic: string,
    private readonly handlers: TopicReadHandlers<T>,
  ) {}

  /** Subscribes (every publication, in order) and reads. */
  start(): void {
    this.sub = this.client.subscribe(this.topic, (data) => this.handlers.event(data), { mode: "stream" });
    this.sub.on("subscribed", () => this.read());
    this.sub.ready.catch((err: unknown) => {
      if (!this.stopped) this.handlers.failed(`live updates unavailable: ${(err as Error).message}`);
    });
    this.read();
  }

  /** Reads again (after an edit, or when what to read changed). */
  read(): void {
    if (this.stopped) return;
    this.reading?.abort();
    const ctl = new AbortController();
    this.reading = ctl;
    this.handlers.load(ctl.signal).then(
      (value) => {
        if (!ctl.signal.aborted && !this.stopped) this.handlers.loaded(value);
      },
      (err: unknown) => {
        if (!ctl.signal.aborted && !this.stopped) this.handlers.failed((err as Error).message);
      },
    );
  }

  /** Unsubscribes and drops the read in flight. */
  stop(): void {
    this.stopped = true;
    this.sub?.unsubscribe();
    this.reading?.abort();
  }
}
