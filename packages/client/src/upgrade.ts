import type { ConnectedMessage, ConnectMessage } from "@dashwire/protocol";
import { backoff, CloseCode, parseServerMessage } from "@dashwire/protocol";
import type { ResolvedClientOptions } from "./options.js";
import { Timer } from "./timer.js";
import type { TransportHandlers, TransportName } from "./transport.js";
import { type Link, openLink } from "./transport-link.js";
import type { TransportPlan } from "./transport-plan.js";

/** What an upgrade needs from its connection. */
export interface UpgradeHost {
  /** The `connect` message for a new transport. */
  connectMessage(token: string | undefined): ConnectMessage;
  /** Returns the token for the new transport's handshake. */
  readToken(): Promise<string | undefined> | string | undefined;
  /** True while the transport in use has a POST in flight: the switch waits for `release()`. */
  busy(): boolean;
  /** The new transport completed its handshake: switch to it. False when that is no longer possible. */
  ready(link: Link, info: ConnectedMessage, rest: unknown[]): boolean;
}

/**
 * Background upgrade to the most preferred transport while connected over a fallback: attempts
 * spaced by the `upgrade` backoff, each opening the target, sending `connect` and handing the
 * transport to the connection once `connected` arrives. The transport in use keeps carrying
 * everything until then, so a failed attempt costs nothing but a request.
 */
export class Upgrade {
  /** A transport whose handshake completed, waiting for the current one's POST to land. */
  waiting: { link: Link; info: ConnectedMessage; rest: unknown[] } | undefined = undefined;
  private link: Link | undefined = undefined;
  private token: string | undefined = undefined;
  private current: TransportName | undefined = undefined;
  private attempt = 0;
  // Bumped by stop(): an async step of an older attempt stops there.
  private generation = 0;
  private readonly delayTimer: Timer;
  private readonly deadlineTimer: Timer;
  private readonly pongPart: string;

  constructor(
    private readonly url: string,
    private readonly options: ResolvedClientOptions,
    private readonly plan: TransportPlan,
    private readonly host: UpgradeHost,
  ) {
    this.delayTimer = new Timer(() => void this.begin(), options.scheduler);
    this.deadlineTimer = new Timer(() => this.failed(), options.scheduler);
    this.pongPart = options.codec.encode({ t: "pong" });
  }

  /** Connected over `current`: plans the next attempt (`reset`: a fresh connection, first delay again). */
  schedule(current: TransportName, reset: boolean): void {
    if (reset) this.attempt = 0;
    this.current = current;
    const policy = this.options.upgrade;
    if (policy === false || this.link !== undefined || this.waiting !== undefined) return;
    if (this.plan.upgradeTarget(current) === undefined) {
      this.delayTimer.stop();
      return;
    }
    this.delayTimer.start(backoff(this.attempt++, policy));
  }

  /** Hands the waiting transport over now that the current one drained; false when none switched. */
  release(): boolean {
    const w = this.waiting;
    this.waiting = undefined;
    if (w === undefined) return false;
    if (this.host.ready(w.link, w.info, w.rest)) return true;
    w.link.transport.close(CloseCode.Normal, "");
    return false;
  }

  /** Abandons any attempt (the connection was lost or closed). */
  stop(): void {
    this.generation++;
    this.delayTimer.stop();
    this.deadlineTimer.stop();
    this.link?.transport.close(CloseCode.Normal, "");
    this.waiting?.link.transport.close(CloseCode.Normal, "");
    this.link = undefined;
    this.waiting = undefined;
    this.current = undefined;
  }

  private async begin(): Promise<void> {
    const target = this.current === undefined ? undefined : this.plan.upgradeTarget(this.current);
    if (target === undefined || this.link !== undefined) return;
    const generation = ++this.generation;
    let token: string | undefined;
    try {
      token = await this.host.readToken();
    } catch {
      if (generation === this.generation) this.failed();
      return;
    }
    if (generation !== this.generation) return;
    try {
      const link = openLink(target, this.options, (l) => this.listen(l));
      this.link = link;
      this.token = token;
      const { ackTimeoutMs, transportTimeoutMs } = this.options;
      this.deadlineTimer.start(Math.min(ackTimeoutMs, transportTimeoutMs));
      link.transport.open(this.url, link.handlers);
    } catch {
      this.failed();
    }
  }

  private listen(link: Link): TransportHandlers {
    return {
      onOpen: () => {
        if (link === this.link) link.transport.send(this.options.codec.encode(this.host.connectMessage(this.token)));
      },
      onFrame: (frame) => this.frame(link, frame),
      onDrain: () => {},
      onClose: () => {
        if (link === this.link) this.failed();
        else if (link === this.waiting?.link) {
          this.waiting = undefined;
          this.failed();
        }
      },
    };
  }

  private frame(link: Link, frame: string): void {
    let values: unknown[];
    try {
      values = this.options.codec.decode(frame);
    } catch {
      if (link === this.link) this.failed();
      return;
    }
    const w = this.waiting;
    if (w !== undefined && w.link === link) {
      // Arrived after the handshake, before the switch: the connection reads them after it.
      for (const v of values) w.rest.push(v);
      return;
    }
    if (link !== this.link) return;
    for (let i = 0; i < values.length; i++) {
      const m = parseServerMessage(values[i]);
      if (m === undefined) continue;
      if (m.t === "ping") link.transport.send(this.pongPart);
      else if (m.t === "disconnect") {
        this.failed();
        return;
      } else if (m.t === "connected") {
        this.deadlineTimer.stop();
        this.link = undefined;
        const ready = { link, info: m, rest: values.slice(i + 1) };
        if (this.host.busy()) this.waiting = ready;
        else if (!this.host.ready(link, m, ready.rest)) link.transport.close(CloseCode.Normal, "");
        return;
      }
    }
  }

  /** This attempt failed: close it and plan the next one. */
  private failed(): void {
    this.deadlineTimer.stop();
    const link = this.link;
    this.link = undefined;
    link?.transport.close(CloseCode.Normal, "");
    if (this.current !== undefined) this.schedule(this.current, false);
  }
}
