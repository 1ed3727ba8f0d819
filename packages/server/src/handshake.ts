import { CloseCode, type ConnectMessage, ErrorCode, PROTOCOL_VERSION } from "@dashwire/protocol";
import type { Logger } from "pino";
import type { Client } from "./client.js";
import { ConnectContext, type HandshakeInfo } from "./connect-context.js";
import { DashwireError, toWireError } from "./errors.js";

/** Messages held while connect middleware runs (pipelined after `connect`). */
const MAX_HELD_MESSAGES = 64;

/** The session side of a handshake. */
export interface HandshakeParty extends Client {
  close(code: number, reason: string): void;
  fail(err: unknown): void;
  /** Middleware accepted `msg`: open (or take over an earlier session), then handle `held`. */
  accept(ctx: ConnectContext, msg: ConnectMessage, held: unknown[]): void;
}

/** What a handshake needs from the server. */
export interface HandshakeHost {
  readonly logger: Logger;
  readonly options: { readonly handshakeTimeoutMs: number };
  runConnectMiddleware(ctx: ConnectContext): Promise<void>;
}

/**
 * From transport open to `connected`: waits (at most `handshakeTimeoutMs`) for `connect`,
 * checks its version, runs connect middleware, holds the messages pipelined behind `connect`
 * meanwhile, and maps a refusal to its close code. Dropped by the session once it is open.
 */
export class Handshake {
  /** Messages that arrived after `connect`, waiting for middleware (undefined until `connect`). */
  private held: unknown[] | undefined = undefined;
  private readonly timer: NodeJS.Timeout;
  private settled = false;

  constructor(
    private readonly party: HandshakeParty,
    private readonly info: HandshakeInfo,
    private readonly host: HandshakeHost,
  ) {
    this.timer = setTimeout(handshakeTimedOut, host.options.handshakeTimeoutMs, party);
    this.timer.unref();
  }

  /** True once `connect` arrived: what follows waits for the outcome (`hold`). */
  get started(): boolean {
    return this.held !== undefined;
  }

  /** Holds a message pipelined behind `connect`; false past the limit (the caller closes). */
  hold(value: unknown): boolean {
    const held = this.held as unknown[];
    if (held.length >= MAX_HELD_MESSAGES) return false;
    held.push(value);
    return true;
  }

  /** `connect` arrived: checks the version and runs connect middleware. */
  start(msg: ConnectMessage): void {
    if (msg.v !== PROTOCOL_VERSION) {
      this.party.close(
        CloseCode.UnsupportedVersion,
        `protocol version ${msg.v} not supported (server speaks ${PROTOCOL_VERSION})`,
      );
      return;
    }
    this.held = [];
    const ctx = new ConnectContext(this.party, this.info, msg);
    this.host
      .runConnectMiddleware(ctx)
      .then(
        () => this.accept(ctx, msg),
        (err: unknown) => this.reject(err),
      )
      .catch((err: unknown) => this.party.fail(err));
  }

  /** Stops the timer; the outcome of middleware still running is ignored. */
  end(): void {
    this.settled = true;
    clearTimeout(this.timer);
  }

  private accept(ctx: ConnectContext, msg: ConnectMessage): void {
    if (this.settled) return;
    this.end();
    this.party.accept(ctx, msg, this.held as unknown[]);
  }

  private reject(err: unknown): void {
    if (this.settled) return;
    const wire = toWireError(err);
    if (!(err instanceof DashwireError)) this.host.logger.error({ err }, "connect middleware failed");
    const code =
      wire.code === ErrorCode.Unauthorized
        ? CloseCode.Unauthorized
        : wire.code === ErrorCode.TokenExpired
          ? CloseCode.TokenExpired
          : wire.code === ErrorCode.Internal
            ? CloseCode.ServerBusy
            : CloseCode.Rejected;
    this.party.close(code, wire.message);
  }
}

/** Shared timer callback (no closure per session). */
function handshakeTimedOut(party: HandshakeParty): void {
  party.close(CloseCode.HandshakeTimeout, "no connect message in time");
}
