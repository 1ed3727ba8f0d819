import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { CloseCode } from "@dashwire/protocol";
import type { ResolvedServerOptions } from "./options.js";
import type { ServerStats } from "./stats.js";

/**
 * Same-origin unless `allowed` says otherwise: "*" allows any origin, a list allows those.
 * Requests without `Origin` (non-browser clients) are allowed; browsers always send it on
 * cross-site WebSocket and fetch requests.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes("*") || allowed.includes(origin)) return true;
  if (allowed.length > 0) return false;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** Human-readable reason for a refusal code. */
export function closeReason(code: number): string {
  switch (code) {
    case CloseCode.GoingAway:
      return "server shutting down";
    case CloseCode.ForbiddenOrigin:
      return "origin not allowed";
    case CloseCode.TooManyConnections:
      return "too many connections from this address";
    default:
      return "refused";
  }
}

/** Shared 'error' listener for sockets being upgraded (a function, not a per-socket closure). */
export function destroySocket(this: Duplex): void {
  this.destroy();
}

/** Addresses tracked at once; past it the table starts over (a flood of addresses resets it). */
const MAX_TRACKED_ADDRESSES = 100_000;

/** New connections per second per address (token bucket); rate 0 turns it off. */
export class AddressRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {}

  /** Takes a token for `address`; false when it has none left. */
  take(address: string): boolean {
    if (this.rate <= 0) return true;
    const now = Date.now();
    let bucket = this.buckets.get(address);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_TRACKED_ADDRESSES) this.buckets.clear();
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(address, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) * this.rate) / 1000);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens--;
    return true;
  }
}

/**
 * Admission of new connections: origin, open connections and new connections per second per
 * client address (the socket's, or with `trustProxy` the first X-Forwarded-For entry).
 */
export class ConnectionGate {
  private readonly perAddress = new Map<string, number>();
  private readonly rate: AddressRateLimit;

  constructor(
    private readonly options: ResolvedServerOptions,
    private readonly stats: ServerStats,
  ) {
    const perSecond = options.limits.connectionsPerIpPerSecond;
    this.rate = new AddressRateLimit(perSecond, perSecond * 2);
  }

  /** The close code that refuses `req`, or undefined to admit it. */
  admit(req: IncomingMessage): number | undefined {
    if (!originAllowed(req, this.options.allowedOrigins)) {
      this.stats.limit("origin");
      return CloseCode.ForbiddenOrigin;
    }
    const address = this.addressOf(req);
    const max = this.options.limits.connectionsPerIp;
    if (max > 0 && (this.perAddress.get(address) ?? 0) >= max) {
      this.stats.limit("connectionsPerIp");
      return CloseCode.TooManyConnections;
    }
    if (!this.rate.take(address)) {
      this.stats.limit("connectionRatePerIp");
      return CloseCode.TooManyConnections;
    }
    return undefined;
  }

  /** Counts an admitted connection; returns its client address. */
  opened(req: IncomingMessage): string {
    const address = this.addressOf(req);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    return address;
  }

  /** Uncounts a connection of `address`. */
  closed(address: string): void {
    const count = (this.perAddress.get(address) ?? 1) - 1;
    if (count <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, count);
  }

  /** The client's address for limits and logs. */
  addressOf(req: IncomingMessage): string {
    if (this.options.trustProxy) {
      const forwarded = req.headers["x-forwarded-for"];
      const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
      if (first) return first;
    }
    return req.socket.remoteAddress ?? "";
  }
}
