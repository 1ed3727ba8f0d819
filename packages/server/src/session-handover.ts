import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { CloseCode, type Codec, type ConnectionLimits, type Frame, PROTOCOL_VERSION } from "@dashwire/protocol";
import type { Logger } from "pino";
import type { ConnectContext } from "./connect-context.js";
import type { Transport } from "./transport/transport.js";

/** What the end of a handshake needs from the server. */
export interface HandoverHost {
  readonly options: { readonly pingIntervalMs: number; readonly pongTimeoutMs: number };
  /** Limits announced in `connected`. */
  readonly wireLimits: ConnectionLimits;
  readonly logger: Logger;
}

/**
 * How a session is handed to the client, and from one of its transports to the next: the
 * `connected` message, the secret that proves the session for a takeover (docs/protocol.md,
 * "Taking over a session"), and the retirement of the transport a takeover replaced.
 */
export class SessionHandover {
  /** Proof of this session for a takeover (sent in `connected`, never shown to others). */
  private readonly secret = randomBytes(16).toString("base64url");

  constructor(
    private readonly host: HandoverHost,
    private readonly sessionId: string,
    /** The session's codec: a retired transport's last message is in it too. */
    private readonly codec: Codec,
  ) {}

  /** True when `secret` is this session's (compared in constant time). */
  proves(secret: string | undefined): boolean {
    return secret !== undefined && timingSafeEqual(digest(secret), digest(this.secret));
  }

  /** The `connected` message of this session (`resumed` after a takeover; `ttl` when bounded). */
  connected(ctx: ConnectContext, resumed: boolean, ttl: number | undefined): Record<string, unknown> {
    const { options } = this.host;
    const connected: Record<string, unknown> = {
      t: "connected",
      v: PROTOCOL_VERSION,
      session: this.sessionId,
      secret: this.secret,
      ping: options.pingIntervalMs,
      pong: options.pongTimeoutMs,
      limits: this.host.wireLimits,
    };
    if (resumed) connected.resumed = true;
    if (ctx.reply !== undefined) connected.data = ctx.reply;
    // The client renews its credentials ahead of this (see docs/client.md, "Authentication").
    if (ttl !== undefined) connected.ttl = ttl;
    return connected;
  }

  /**
   * Retires the transport a takeover replaced: its late frames are still this client's (they go
   * to `onFrame`), its close is not this session's; it gets `disconnect` 4007 after what it
   * already carries, and is closed. Never throws.
   */
  retire(previous: Transport, onFrame: (frame: Frame) => void): void {
    previous.bind({ onFrame, onDrain() {}, onClose() {} });
    const reason = "replaced by a new transport";
    try {
      previous.send(this.codec.encode({ t: "disconnect", code: CloseCode.Replaced, reason, reconnect: true }));
      previous.close(CloseCode.Replaced, reason);
    } catch (err) {
      this.host.logger.warn({ err, session: this.sessionId }, "closing a replaced transport failed");
    }
  }
}

/** A fixed-length form of a secret, for a constant-time comparison whatever its length. */
function digest(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}
