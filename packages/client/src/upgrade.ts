import {
  backoff,
  CloseCode,
  type ConnectedMessage,
  type ConnectMessage,
  type Frame,
  parseServerMessage,
  type ServerMessage,
} from "@dashwire/protocol";
import type { ResolvedClientOptions } from "./options.js";
import { Timer } from "./timer.js";
import type { ClientTransport, TransportHandlers } from "./transport.js";
import type { TransportPlan } from "./transport-plan.js";
import { transportFactories } from "./transport-registry.js";

/** What an upgrade needs from its connection. */
export interface UpgradeHost {
  /** The transport in use, while connected. */
  readonly current: ClientTransport | undefined;
  /** True while the transport in use has a POST in flight: the takeover waits for its drain. */
  readonly busy: boolean;
  /** The `connect` that offers the session for takeover. */
  connectMessage(token: string | undefined): ConnectMessage;
  nextToken(): Promise<string | undefined>;
  /** The callbacks of a transport (routed by the role it has when they fire). */
  listen(transport: ClientTransport): TransportHandlers;
  decode(frame: Frame): unknown[] | undefined;
  /** The takeover succeeded: `transport` (handshake `info`) is the one in use from now on. */
  switched(transport: ClientTransport, info: ConnectedMessage): void;
  /** Messages of the transport in use (held while the retired one finished). */
  handle(values: unknown[]): void;
  /** A message the session wrote on the transport it left. */
  message(m: ServerMessage): void;
  /** The transport in use ended while the takeover was in flight, and the takeover failed. */
  lost(code: number, reason: string): void;
}

/**
 * The upgrade to the preferred transport while connected over a fallback, by session takeover
 * (docs/protocol.md): the preferred transport opens in the background (attempts spaced by the
 * `upgrade` backoff), and once the one in use has nothing in flight it sends `connect` with the
 * session and its secret. Resumed: it becomes the transport in use, with everything written
 * meanwhile; the old one is read until the server closed it (4007), and the new one's messages
 * wait until then, so the session's messages keep their order. Not resumed (the session lives on
 * another node, or ended): the attempt failed and costs nothing but a request.
 */
export class Upgrade {
  /** The preferred transport, opened to take the session over. */
  private probe: ClientTransport | undefined = undefined;
  /** The transport the session left: read until the server closes it (its last frames first). */
  private retired: ClientTransport | undefined = undefined;
  private token: string | undefined = undefined;
  private open = false;
  /** Frames written while the takeover is in flight: they go on whichever transport wins. */
  private switching: Frame[] | undefined = undefined;
  /** The new transport's messages, held until the retired one is done. */
  private afterRetired: unknown[] = [];
  /** How the transport in use ended while the takeover was in flight. */
  private gone: [code: number, reason: string] | undefined = undefined;
  private attempt = 0;
  private readonly delayTimer: Timer;
  private readonly deadlineTimer: Timer;
  private readonly retireTimer: Timer;
  private readonly pongPart: Frame;

  constructor(
    private readonly url: string,
    private readonly options: ResolvedClientOptions,
    private readonly plan: TransportPlan,
    private readonly host: UpgradeHost,
  ) {
    this.delayTimer = new Timer(() => void this.begin(), options.scheduler);
    this.deadlineTimer = new Timer(() => this.failed(), options.scheduler);
    this.retireTimer = new Timer(() => this.endRetired(), options.scheduler);
    this.pongPart = options.codec.encode({ t: "pong" });
  }

  /** True while a takeover is in flight: the transport in use may be closed by the server. */
  get switchingNow(): boolean {
    return this.switching !== undefined;
  }

  /** Connected: plans the next attempt (`reset`: a fresh connection, first delay again). */
  schedule(reset: boolean): void {
    if (reset) this.attempt = 0;
    const policy = this.options.upgrade;
    const current = this.host.current;
    if (policy === false || current === undefined || this.probe !== undefined) return;
    if (this.plan.upgradeTarget(current.name) === undefined) this.delayTimer.stop();
    else this.delayTimer.start(backoff(this.attempt++, policy));
  }

  /** Holds a frame written during the takeover; false when none is in flight. */
  hold(frame: Frame): boolean {
    this.switching?.push(frame);
    return this.switching !== undefined;
  }

  /** A message of the transport in use: held while the retired one is read; false when not held. */
  holdAfterRetired(values: unknown[]): boolean {
    if (this.retired === undefined) return false;
    for (const v of values) this.afterRetired.push(v);
    return true;
  }

  /** The transport in use ended during the takeover (closed, or `disconnect` 4007): wait for the outcome. */
  currentGone(code: number, reason: string): void {
    this.gone ??= [code, reason];
  }

  /** Abandons any attempt (the connection was lost or closed). */
  stop(): void {
    this.delayTimer.stop();
    this.gone = undefined;
    this.failed(false);
    this.endRetired();
  }

  private async begin(): Promise<void> {
    const current = this.host.current;
    const target = current === undefined ? undefined : this.plan.upgradeTarget(current.name);
    if (target === undefined || this.probe !== undefined) return;
    let token: string | undefined;
    try {
      token = await this.host.nextToken();
    } catch {
      if (this.host.current === current) this.schedule(false);
      return;
    }
    if (this.host.current !== current) return;
    try {
      const probe = transportFactories[target](this.options);
      this.probe = probe;
      this.token = token;
      this.deadlineTimer.start(Math.min(this.options.ackTimeoutMs, this.options.transportTimeoutMs));
      probe.open(this.url, this.host.listen(probe));
    } catch {
      this.failed();
    }
  }

  /** A transport other than the one in use opened: the new one, ready to take over. */
  onOpen(t: ClientTransport): void {
    if (t !== this.probe) return;
    this.open = true;
    this.takeOver();
  }

  /** A frame of a transport other than the one in use: the new one's, or the retired one's. */
  onFrame(t: ClientTransport, frame: Frame): void {
    if (t === this.probe) this.probeFrame(frame);
    else if (t === this.retired) this.retiredFrame(frame);
  }

  /** A transport other than the one in use closed: the attempt failed, or the retired one is done. */
  onClose(t: ClientTransport): void {
    if (t === this.probe) this.failed();
    else if (t === this.retired) this.endRetired();
  }

  /**
   * Sends the takeover's `connect` once the transport in use has nothing in flight (`idle`: it
   * just drained); from then on outgoing frames wait for the outcome.
   */
  takeOver(idle = !this.host.busy): void {
    const probe = this.probe;
    if (probe === undefined || !this.open || this.switching !== undefined || !idle) return;
    this.switching = [];
    probe.send(this.options.codec.encode(this.host.connectMessage(this.token)));
  }

  /** A frame of the new transport, before it is the one in use. */
  private probeFrame(frame: Frame): void {
    const values = this.host.decode(frame) ?? [];
    for (let i = 0; i < values.length; i++) {
      const m = parseServerMessage(values[i]);
      if (m?.t === "ping") (this.probe as ClientTransport).send(this.pongPart);
      else if (m?.t === "connected" || m?.t === "disconnect") {
        if (m.t === "connected" && m.resumed === true && this.host.current !== undefined)
          this.switch(m, values.slice(i + 1));
        else this.failed();
        return;
      }
    }
  }

  private switch(info: ConnectedMessage, rest: unknown[]): void {
    const probe = this.probe as ClientTransport;
    this.deadlineTimer.stop();
    this.probe = undefined;
    this.open = false;
    const held = this.switching ?? [];
    this.switching = undefined;
    this.retired = this.host.current;
    this.afterRetired = rest;
    this.retireTimer.start(this.options.ackTimeoutMs);
    this.host.switched(probe, info);
    for (const frame of held) probe.send(frame);
    // Already closed by the server: nothing more comes on it.
    if (this.gone !== undefined) {
      this.gone = undefined;
      this.endRetired();
    }
  }

  /**
   * The attempt failed: the transport in use gets what waited and another attempt is planned;
   * if the transport in use ended meanwhile, the connection is lost.
   */
  private failed(retry = true): void {
    this.deadlineTimer.stop();
    const probe = this.probe;
    this.probe = undefined;
    this.open = false;
    probe?.close(CloseCode.Normal, "");
    const held = this.switching;
    this.switching = undefined;
    const gone = this.gone;
    this.gone = undefined;
    if (gone !== undefined) this.host.lost(gone[0], gone[1]);
    else if (held !== undefined) for (const frame of held) this.host.current?.send(frame);
    if (retry) this.schedule(false);
  }

  /** A frame of the transport the session left: what the server wrote there before the takeover. */
  private retiredFrame(frame: Frame): void {
    for (const v of this.host.decode(frame) ?? []) {
      const m = parseServerMessage(v);
      if (m?.t === "disconnect") {
        this.endRetired();
        return;
      }
      if (m !== undefined && m.t !== "ping" && m.t !== "pong" && m.t !== "connected") this.host.message(m);
    }
  }

  /** The transport the session left is done: the new one's held messages go through. */
  private endRetired(): void {
    const retired = this.retired;
    if (retired === undefined) return;
    this.retired = undefined;
    this.retireTimer.stop();
    retired.close(CloseCode.Normal, "");
    const held = this.afterRetired;
    this.afterRetired = [];
    if (held.length > 0 && this.host.current !== undefined) this.host.handle(held);
  }
}
