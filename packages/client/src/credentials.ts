import { CloseCode, ErrorCode } from "@dashwire/protocol";
import { DashwireClientError } from "./errors.js";
import type { TokenProvider } from "./options.js";
import { type Scheduler, Timer } from "./timer.js";

/** Renew this long before the credentials expire, at most (half the lifetime for short ones). */
export const REFRESH_AHEAD_MS = 10_000;

/** What credentials need from their client. */
export interface CredentialsHost {
  readonly scheduler: Scheduler;
  /** Sends `refresh` with a fresh token (from `getToken`); resolves when acknowledged. */
  refresh(): Promise<void>;
  /** Reports a renewal that failed (no state change: the server closes at expiry). */
  report(error: DashwireClientError): void;
}

/**
 * The client's credentials: a static token, or `getToken()` called for every (re)connect and
 * every renewal. A token the server called expired (close 4004) is never offered again: with no
 * `getToken` the client stops (terminal), and a `getToken` that returns that same token stops it
 * too. With `getToken`, credentials are renewed (`refresh`) ahead of the `ttl` the server gives.
 */
export class Credentials {
  /** Token of the latest connect or refresh. */
  private current: string | undefined = undefined;
  /** Token the server called expired. */
  private expired: string | undefined = undefined;
  private readonly renewTimer: Timer;

  constructor(
    private token: string | undefined,
    private readonly getToken: TokenProvider | undefined,
    private readonly host: CredentialsHost,
  ) {
    this.renewTimer = new Timer(() => this.renew(), host.scheduler);
  }

  /**
   * The token for the next connect attempt. Rejects with `TokenExpired` when the only token to
   * offer is the one the server called expired; other rejections are `getToken` failures.
   */
  async next(): Promise<string | undefined> {
    const token = this.getToken !== undefined ? await this.getToken() : this.token;
    this.check(token);
    this.current = token;
    return token;
  }

  /** A fresh token for a refresh: from `getToken`, or `InvalidField` without one. */
  async fresh(): Promise<string> {
    if (this.getToken === undefined)
      throw new DashwireClientError(ErrorCode.InvalidField, "refresh() needs a token, or a getToken option");
    const token = await this.getToken();
    if (token === undefined || token === "")
      throw new DashwireClientError(ErrorCode.Unauthorized, "getToken returned no token to refresh with");
    this.check(token);
    return token;
  }

  /** Throws when `token` is the one the server called expired. */
  private check(token: string | undefined): void {
    if (token !== undefined && token === this.expired)
      throw new DashwireClientError(
        ErrorCode.TokenExpired,
        this.getToken === undefined
          ? "token expired and there is no getToken to renew it"
          : "getToken returned the token the server called expired",
      );
  }

  /** A refresh with `token` was accepted; `ttl` (ms) is how long it lasts, when it expires. */
  renewed(token: string, ttl: number | undefined): void {
    this.current = token;
    // A string token is replaced for later reconnects too.
    if (this.getToken === undefined) this.token = token;
    this.schedule(ttl);
  }

  /** Remembers a token given to `refresh()` while disconnected: the next connect uses it. */
  replace(token: string): void {
    if (this.getToken === undefined) this.token = token;
  }

  /**
   * The server closed with 4004: the current token is expired. Returns false when nothing can
   * replace it (no `getToken`): the client must stop rather than retry it.
   */
  expire(): boolean {
    this.stop();
    this.expired = this.current;
    return this.getToken !== undefined;
  }

  /** Connected: renew ahead of `ttl` (ms; from `connected`) when `getToken` can. */
  schedule(ttl: number | undefined): void {
    this.renewTimer.stop();
    if (ttl === undefined || !Number.isFinite(ttl) || ttl < 0 || this.getToken === undefined) return;
    this.renewTimer.start(Math.max(0, ttl - Math.min(REFRESH_AHEAD_MS, ttl / 2)));
  }

  /** The connection is gone: no renewal until the next `connected`. */
  stop(): void {
    this.renewTimer.stop();
  }

  private renew(): void {
    this.host.refresh().catch((error: unknown) => {
      this.host.report(
        error instanceof DashwireClientError
          ? error
          : new DashwireClientError(ErrorCode.Unauthorized, `renewing credentials failed: ${String(error)}`),
      );
    });
  }
}

/** The `error` event of an authentication failure: `TokenExpired` for close 4004, else `Unauthorized`. */
export function authError(code: number, reason: string): DashwireClientError {
  const errorCode = code === CloseCode.TokenExpired ? ErrorCode.TokenExpired : ErrorCode.Unauthorized;
  return new DashwireClientError(errorCode, reason, { code, reason });
}
