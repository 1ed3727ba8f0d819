import type { ConnectMessage } from "@dashwire/protocol";
import type { Client, UserIdentity } from "./client.js";

/** Facts about the request that opened a connection, captured by the transport. */
export interface HandshakeInfo {
  /** Request headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** Query parameters of the request URL. */
  query: URLSearchParams;
  remoteAddress: string;
  /** Transport name. */
  transport: string;
}

/**
 * What connect middleware sees and fills in. Middleware authenticates (sets `user`), may attach
 * presence info and a reply, and rejects by throwing a `DashwireError` (its code picks the close
 * code: Unauthorized → 4500, TokenExpired → 4004, others → 4504).
 */
export class ConnectContext {
  /** Identity of the client; set it to authenticate. */
  user: UserIdentity | undefined = undefined;
  /** Public info shown in presence lists (e.g. a display name). */
  presence: unknown = undefined;
  /** Data sent back to the client in `connected.data`. */
  reply: unknown = undefined;
  /**
   * When the credentials expire (ms since epoch). The connection is closed with 4004
   * (TokenExpired) at that time unless the client sends `refresh` with new credentials first.
   */
  expiresAt: number | undefined = undefined;

  constructor(
    /** The connecting client (its `data` is writable state for the app). */
    readonly client: Client,
    private readonly info: HandshakeInfo,
    private readonly message: ConnectMessage,
  ) {}

  /** Request headers. */
  get headers(): Record<string, string | string[] | undefined> {
    return this.info.headers;
  }

  /** Query parameters of the connect request. */
  get query(): URLSearchParams {
    return this.info.query;
  }

  /** Remote IP address. */
  get remoteAddress(): string {
    return this.info.remoteAddress;
  }

  /** Transport name. */
  get transport(): string {
    return this.info.transport;
  }

  /** Data the client sent in `connect.data`. */
  get data(): unknown {
    return this.message.data;
  }

  /**
   * The credentials offered: `connect.token`, else `Authorization: Bearer …`, else the
   * `token` query parameter.
   */
  get token(): string | undefined {
    if (this.message.token !== undefined) return this.message.token;
    const auth = this.info.headers.authorization;
    if (typeof auth === "string" && auth.startsWith("Bearer ")) return auth.slice(7);
    return this.info.query.get("token") ?? undefined;
  }
}

/** Runs at connect; throw to reject the connection. */
export type ConnectMiddleware = (ctx: ConnectContext) => void | Promise<void>;
