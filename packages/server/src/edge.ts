import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { CloseCode } from "@dashwire/protocol";
import type { ResolvedServerOptions } from "./options.js";
import type { ServerStats } from "./stats.js";
import { TokenBucket } from "./token-bucket.js";

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

/**
 * The host name in a `Host` header: lower-case, without the port, IPv6 brackets or a trailing
 * dot; undefined when the header is not a host name or address (optionally with a port).
 */
export function hostName(header: string): string | undefined {
  if (header.startsWith("[")) {
    const end = header.indexOf("]");
    if (end < 0 || !/^(?::\d{1,5})?$/.test(header.slice(end + 1))) return undefined;
    const address = header.slice(1, end).toLowerCase();
    return isIP(address) === 6 ? address : undefined;
  }
  const colon = header.lastIndexOf(":");
  if (colon >= 0 && !/^\d{1,5}$/.test(header.slice(colon + 1))) return undefined;
  let name = (colon < 0 ? header : header.slice(0, colon)).toLowerCase();
  if (name.endsWith(".")) name = name.slice(0, -1);
  return /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/.test(name) ? name : undefined;
}

/**
 * `allowedHosts` as `hostAllowed` uses it: each entry through `hostName` (so `app.example.com:443`
 * and `App.Example.com.` mean the same), a leading `.` kept (a domain and its subdomains).
 */
export function normalizeAllowedHosts(allowed: readonly string[]): string[] {
  return allowed.map((entry) => {
    if (entry === "*") return entry;
    const dot = entry.startsWith(".");
    const name = hostName(dot ? entry.slice(1) : entry);
    if (name === undefined) throw new TypeError(`allowedHosts: ${JSON.stringify(entry)} is not a host name`);
    return dot ? `.${name}` : name;
  });
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

/**
 * The DNS-rebinding defense: is `req`'s `Host` one this server answers to? A page on a domain
 * the attacker controls, re-pointed at 127.0.0.1 (or a private address), reaches the server
 * from the victim's browser as "same origin" — but its requests carry the attacker's name as
 * `Host`. Always allowed: IP literals (no DNS involved, so no rebinding), `localhost` and
 * `*.localhost` (RFC 6761: never resolved through DNS), and requests without `Host` (not from a
 * browser). `allowed` (normalized, see `normalizeAllowedHosts`):
 * - empty (the default): any other name on connections that did not arrive at a loopback
 *   address; none on those that did (where rebinding attacks aim);
 * - a list: those names (`.example.com`: the domain and its subdomains) on every connection;
 * - `["*"]`: any name.
 */
export function hostAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const header = req.headers.host;
  if (header === undefined || allowed.includes("*")) return true;
  const name = hostName(header);
  if (name === undefined) return false;
  if (isIP(name) !== 0 || name === "localhost" || name.endsWith(".localhost")) return true;
  if (allowed.length === 0) return !isLoopbackAddress(req.socket.localAddress);
  for (const entry of allowed)
    if (entry === name || (entry.startsWith(".") && (name === entry.slice(1) || name.endsWith(entry)))) return true;
  return false;
}

/** Human-readable reason for a refusal code. */
export function closeReason(code: number): string {
  switch (code) {
    case CloseCode.GoingAway:
      return "server shutting down";
    case CloseCode.ForbiddenOrigin:
      return "origin not allowed";
    case CloseCode.ForbiddenHost:
      return "host not allowed";
    case CloseCode.TooManyConnections:
      return "too many connections from this address";
    case CloseCode.ConnectingTooFast:
      return "too many new connections from this address, retry later";
    default:
      return "refused";
  }
}

/**
 * Refuses a WebSocket upgrade with a plain HTTP 429 before any handshake work: what a client
 * opening connections in a loop gets past its rate (a browser sees a failed connection and its
 * client backs off; the HTTP transports answer the same status with the close code in JSON).
 */
export function refuseUpgrade(socket: Duplex): void {
  socket.end("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  socket.once("finish", destroySocket);
}

/** Shared 'error' listener for sockets being upgraded (a function, not a per-socket closure). */
export function destroySocket(this: Duplex): void {
  this.destroy();
}

/** Addresses tracked at once; past it the table starts over (a flood of addresses resets it). */
const MAX_TRACKED_ADDRESSES = 100_000;

/** New connections per second per address (a token bucket each); rate 0 turns it off. */
export class AddressRateLimit {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {}

  /** Takes a token for `address`; false when it has none left. */
  take(address: string): boolean {
    if (this.rate <= 0) return true;
    let bucket = this.buckets.get(address);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_TRACKED_ADDRESSES) this.buckets.clear();
      bucket = new TokenBucket(this.rate, this.burst);
      this.buckets.set(address, bucket);
    }
    return bucket.take();
  }
}

/** How long an address that keeps connecting far past its rate is blocked (see `Tarpit`). */
const BLOCK_MS = 1000;

/**
 * Admission of new connections: host, origin, open connections and new connections per second per
 * client address (the socket's, or with `trustProxy` the first X-Forwarded-For entry).
 */
export class ConnectionGate {
  private readonly perAddress = new Map<string, number>();
  private readonly rate: AddressRateLimit;
  private readonly rateBurst: number;
  /** Where a blocked address's new sockets wait. */
  private readonly tarpit = new Tarpit();
  /**
   * Addresses refused recently: refusals in the current one-second window, and until when the
   * address is blocked (past two bursts of refusals in a second: a connection loop, not a client
   * retrying with backoff).
   */
  private readonly abusers = new Map<string, { windowStart: number; refusals: number; blockedUntil: number }>();

  /** `options.allowedHosts`, normalized once. */
  readonly allowedHosts: readonly string[];

  constructor(
    private readonly options: ResolvedServerOptions,
    private readonly stats: ServerStats,
  ) {
    this.allowedHosts = normalizeAllowedHosts(options.allowedHosts);
    const perSecond = options.limits.connectionsPerIpPerSecond;
    this.rateBurst = perSecond * 2;
    this.rate = new AddressRateLimit(perSecond, this.rateBurst);
  }

  /**
   * The close code that refuses `req`, or undefined to admit it. `rateTaken`: the new-connection
   * rate was already checked (`takeRate`, before a WebSocket upgrade).
   */
  admit(req: IncomingMessage, rateTaken = false): number | undefined {
    if (!hostAllowed(req, this.allowedHosts)) {
      this.stats.limit("host");
      return CloseCode.ForbiddenHost;
    }
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
    if (!rateTaken && !this.takeRate(req)) return CloseCode.ConnectingTooFast;
    return undefined;
  }

  /** Takes one new-connection token for the client's address; false (and counted) when none is left. */
  takeRate(req: IncomingMessage): boolean {
    const address = this.addressOf(req);
    if (this.rate.take(address)) return true;
    this.stats.limit("connectionRatePerIp");
    const now = Date.now();
    let abuser = this.abusers.get(address);
    if (abuser === undefined || now - abuser.windowStart > 1000) {
      if (abuser === undefined && this.abusers.size >= MAX_TRACKED_ADDRESSES) this.abusers.clear();
      abuser = { windowStart: now, refusals: 0, blockedUntil: abuser?.blockedUntil ?? 0 };
      this.abusers.set(address, abuser);
    }
    if (++abuser.refusals > 2 * this.rateBurst) abuser.blockedUntil = now + BLOCK_MS;
    return false;
  }

  /**
   * At accept, before any HTTP parsing: a socket from a blocked address, one in a connection
   * loop far past its rate (see `takeRate`), goes to the tarpit.
   */
  screen(socket: Duplex & { remoteAddress?: string; server?: unknown }): void {
    if (this.blockedAtAccept(socket.remoteAddress)) this.tarpit.hold(socket, socket.server instanceof tls.Server);
  }

  /** True for a blocked address. Never with `trustProxy`, where the socket's address is the proxy's. */
  private blockedAtAccept(remoteAddress: string | undefined): boolean {
    if (this.options.trustProxy || remoteAddress === undefined || this.abusers.size === 0) return false;
    const abuser = this.abusers.get(remoteAddress);
    if (abuser === undefined || abuser.blockedUntil === 0) return false;
    if (Date.now() < abuser.blockedUntil) {
      this.stats.limit("connectionRatePerIp");
      return true;
    }
    // The block ran out: the next attempts go through the rate limit again.
    this.abusers.delete(remoteAddress);
    return false;
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

/** Sockets held unread at once by the tarpit; past it, sockets are closed at once. */
const MAX_TARPIT = 1000;
/** How long the tarpit holds a socket before closing it. */
const TARPIT_MS = 1000;
const kTarpit = Symbol("dashwire.tarpit");

/**
 * Where a connection loop's sockets go while its address is blocked: held open, unanswered, for
 * a second, then closed. A client that opens its next connection when the last one ends (a
 * loop) is slowed to one attempt per socket per second instead of thousands; each held socket
 * costs the server nothing more. At most `MAX_TARPIT` at once (beyond, closed at once). Not for
 * TLS, where the handshake would still run: those are closed at once.
 */
class Tarpit {
  private held = 0;

  /** Holds `socket` (or closes it at once when full or encrypted). */
  hold(socket: Duplex, tls: boolean): void {
    if (tls || this.held >= MAX_TARPIT) {
      socket.destroy();
      return;
    }
    this.held++;
    (socket as TarpitSocket)[kTarpit] = true;
    socket.once("close", this.release);
    setTimeout(destroyHeld, TARPIT_MS, socket).unref();
  }

  private readonly release = (): void => {
    this.held--;
  };
}

type TarpitSocket = Duplex & { [kTarpit]?: true };

/** True for a socket the tarpit holds: requests on it get no answer. */
export function inTarpit(socket: Duplex): boolean {
  return (socket as TarpitSocket)[kTarpit] === true;
}

function destroyHeld(socket: Duplex): void {
  socket.destroy();
}
